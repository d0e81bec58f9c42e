import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Platform, ServiceAccountRef } from "../providers/contract";
import type { StackSettings } from "../stacks/load";
import { ConfigError } from "../stacks/errors";
import { systemPods } from "./capacity/demand";
import { fitMessage, systemPoolFit } from "./capacity/fit";
import { ClusterAddons } from "./cluster-addons";
import { DaskGateway } from "./dask-gateway";
import { loginInstructions } from "./hub-auth";
import { WorkloadAccount } from "./identity";
import { notebookImages } from "./images";
import { JupyterHub } from "./jupyterhub";
import { ServiceConnection } from "./service-connection";
import { DataServiceName, DeployedService, deployService, enabledDataServices, ServiceContext } from "./services/catalog";
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

        // the configuration check ran the same sums from the configuration; this one reads the contract itself
        const pods = systemPods(config.services, cluster.capabilities.clusterAutoscaler !== undefined);
        const fit = systemPoolFit({ ...cluster.systemPool, nodes: cluster.systemPool.minNodes }, cluster.systemAgents, pods);
        if (!fit.fits) {
            throw new ConfigError(settings.stack, [
                { key: "workbench:systemPool.size", given: config.systemPool.size, allowed: fitMessage(fit, pods, "choose a larger systemPool.size or switch services off") },
            ]);
        }

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
        const enabled = enabledDataServices(config.services);
        const deployed = new Map<DataServiceName, DeployedService>();
        const warned = new Set<string>();
        const context: ServiceContext = {
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
            workloadReadyWhen: [],
            enabled: new Set(enabled),
            deployed,
            warn: (message) => {
                if (!warned.has(message)) void pulumi.log.warn(message, this);
                warned.add(message);
            },
        };
        for (const service of enabled) {
            if (!config.services[service].enabled) context.warn(`services.${service} is off, but a service that needs it is on: deploying it with its settings.`);
            const result = deployService(config.services, service, context, this);
            deployed.set(service, result);
            connections.push(result.connection);
            hubDependsOn.push(...result.readyWhen);
            // later services running users' code (Ray) reach the earlier ones as notebooks do
            context.workloadEnv = [...context.workloadEnv, ...result.connection.env];
            context.workloadReadyWhen = [...context.workloadReadyWhen, ...result.readyWhen];
        }
        // Dask schedulers and workers and Spark pods connect as notebooks do
        workload.env = [...workload.env, ...connections.flatMap((connection) => connection.env)];
        const workloadDependsOn = [...dependsOn, ...[...deployed.values()].flatMap((service) => service.readyWhen)];

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
