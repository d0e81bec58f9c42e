import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Platform, ServiceAccountRef } from "../providers/contract";
import type { StackSettings } from "../stacks/load";
import { assertSystemPoolFits } from "./capacity/demand";
import { ClusterAddons } from "./cluster-addons";
import { DaskGateway } from "./dask-gateway";
import { loginInstructions } from "./hub-auth";
import { WorkloadAccount } from "./identity";
import { notebookImages } from "./images";
import { JupyterHub } from "./jupyterhub";
import { ServiceConnection } from "./service-connection";
import { deployDataServices } from "./services/catalog";
import { SparkOperator } from "./spark";
import { WorkloadInput } from "./workload";

/** Arguments of {@link Workbench}. */
export interface WorkbenchArgs {
    /** The validated stack settings. */
    settings: StackSettings;
    /** The platform the workbench runs on, through the contract only. */
    platform: Platform;
}

/**
 * The shared data-science layer: the same resources on every platform, shaped only by
 * the contract's data.
 */
export class Workbench extends pulumi.ComponentResource {
    /** Namespace holding the hub, the workloads and their ServiceAccount. */
    readonly namespace: pulumi.Output<string>;
    /** The identity-bound ServiceAccount pods run as. */
    readonly workloadAccount: WorkloadAccount;
    /** Stack outputs of the shared layer. */
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: WorkbenchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:index:Workbench", name, {}, opts);
        const { platform, settings } = args;
        const { config } = settings;
        const { cluster } = platform;
        const provider = cluster.provider;

        assertSystemPoolFits(settings.stack, config, cluster);

        new ClusterAddons(`${name}-cluster`, { cluster, gpuPools: platform.gpuPools }, { parent: this });

        const namespace = new k8s.core.v1.Namespace(
            name,
            { metadata: { name } },
            { parent: this, provider, dependsOn: cluster.readyWhen },
        );
        this.namespace = namespace.metadata.name;

        const account: ServiceAccountRef = { namespace: name, name: `${name}-user` };
        this.workloadAccount = new WorkloadAccount(
            `${name}-user`,
            { namespace: this.namespace, account, objectStore: platform.objectStore, provider },
            { parent: this },
        );
        // what the hub and the gateway both run users' work with
        const workload: WorkloadInput = {
            namespace: name,
            images: notebookImages(config.notebook),
            serviceAccountName: account.name,
            podLabels: this.workloadAccount.podLabels,
            env: this.workloadAccount.env,
            systemPlacement: cluster.systemPool.placement,
            userPool: cluster.userPool,
            gpuPools: platform.gpuPools,
        };
        const dependsOn = [...cluster.readyWhen, namespace, ...this.workloadAccount.readyWhen];

        const connections: ServiceConnection[] = [];
        // the hub reads the services' tokens from their Secrets when it starts
        const hubDependsOn: pulumi.Resource[] = [...dependsOn];

        // data services first: notebooks, Dask and Spark pods get their variables
        const data = deployDataServices(config.services, {
            workbench: name,
            namespace: name,
            provider,
            dependsOn,
            systemPlacement: cluster.systemPool.placement,
            retainedStorageClass: cluster.retainedStorageClass,
            userPool: cluster.userPool,
            gpuPools: platform.gpuPools,
            objectStore: platform.objectStore,
            apiServerEgress: cluster.apiServerEgress,
            workloadPodLabels: this.workloadAccount.podLabels,
            workloadServiceAccount: account.name,
            workloadEnv: this.workloadAccount.env,
            parent: this,
        });
        connections.push(...data.connections);
        hubDependsOn.push(...data.readyWhen);
        // Dask schedulers and workers and Spark pods connect as notebooks do
        workload.env = [...workload.env, ...data.connections.flatMap((connection) => connection.env)];
        const workloadDependsOn = [...dependsOn, ...data.readyWhen];

        if (config.services.dask.enabled) {
            const dask = new DaskGateway(
                `${name}-dask`,
                { ...workload, provider, dependsOn: workloadDependsOn },
                { parent: this },
            );
            connections.push(dask.connection);
            hubDependsOn.push(dask.tokenSecret);
        }
        let sparkExample: string | undefined;
        if (config.services.spark.enabled) {
            const spark = new SparkOperator(
                `${name}-spark`,
                {
                    namespace: workload.namespace,
                    serviceAccountName: workload.serviceAccountName,
                    podLabels: workload.podLabels,
                    env: workload.env,
                    identityEnv: this.workloadAccount.identityEnv,
                    bucketUrl: this.workloadAccount.bucketUrl,
                    systemPlacement: cluster.systemPool.placement,
                    userPlacement: cluster.userPool.placement,
                    provider,
                    dependsOn: workloadDependsOn,
                },
                { parent: this },
            );
            connections.push(spark.connection);
            sparkExample = spark.exampleCommand;
        }

        const hub = new JupyterHub(
            `${name}-hub`,
            {
                ...workload,
                retainedStorageClass: cluster.retainedStorageClass,
                hubService: cluster.hubService,
                objectStoreEgress: this.workloadAccount.privateEgress,
                podsNeedMetadataServer: cluster.capabilities.podsNeedMetadataServer,
                homeSizeGiB: config.storage.homeSizeGiB,
                cullIdleMinutes: config.notebook.cullIdleMinutes,
                maxAgeHours: config.notebook.maxAgeHours,
                auth: config.auth,
                users: config.users,
                githubClientSecret: settings.secrets.githubClientSecret,
                domain: config.domain,
                tlsEmail: config.tlsEmail,
                services: connections,
                provider,
                dependsOn: hubDependsOn,
            },
            { parent: this },
        );

        this.outputs = {
            namespace: this.namespace,
            hubUrl: hub.url,
            login: hub.url.apply((url) => `${hub.reachWith ? `Run \`${hub.reachWith}\`, then: ` : ""}${loginInstructions(config, url)}`),
            services: ["jupyterhub", ...connections.map((connection) => connection.name)],
            bucketUrl: this.workloadAccount.bucketUrl,
            sparkExample,
        };
        this.registerOutputs(this.outputs);
    }
}
