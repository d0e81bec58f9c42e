import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Platform, ServiceAccountRef } from "../providers/contract";
import type { StackSettings } from "../stacks/load";
import { limitsOf } from "../stacks/schema";
import { Backups } from "./backups";
import { chooseHomesMethod, homesDemand } from "./backups/method";
import { assertSystemPoolFits, clusterSystemPool } from "./capacity/demand";
import { assertServingPoolFits } from "./capacity/serving";
import { ClusterAddons } from "./cluster/addons";
import { DaskGateway } from "./dask/dask-gateway";
import { GettingStarted, pathStyleEnv, signInFacts } from "./hub/getting-started";
import { daskClusterLimits } from "./hub/fair-use";
import { profileGates } from "./hub/groups";
import { INITIAL_PASSWORDS_OUTPUT } from "./hub/hub-auth";
import { loginOutput } from "./hub/login";
import { WorkloadAccount } from "./identity";
import { notebookImages } from "./hub/images";
import { JupyterHub } from "./hub/jupyterhub";
import { moveOutputs } from "./move";
import { PROXY_PUBLIC_SERVICE } from "./hub/jupyterhub-values";
import { daskPolicySpec, sparkPolicySpecs, WorkloadNetworkPolicies } from "./tenancy/network-policies";
import { SparkAdmission, IDENTITY_TOKEN_AUDIENCES } from "./tenancy/admission";
import { HUB_SERVICE_ACCOUNT, HUB_USER_NAMESPACE_RULES, namespaceRole, SPARK_DRIVER_RULES } from "./tenancy/roles";
import { PLATFORM_BUCKET_PREFIXES, sparkDriverAccountName, userAccountName, userNamespace, userNamespaceName } from "./tenancy/zones";
import { DASK_GATEWAY_RELEASE } from "./dask/dask-gateway-values";
import { ServiceConnection } from "./service-connection";
import { deployDataServices, enabledDataServices } from "./services/catalog";
import { deployServing, servedOutputs, servingInput } from "./serving/served";
import { SparkOperator } from "./spark/operator";
import { DRIVER_PORTS, SPARK_DRIVER_POD_LABELS } from "./spark/personal-connect";
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
    /** The platform namespace: hub, proxy, controllers, data services, every credential. */
    readonly namespace: pulumi.Output<string>;
    /** The user namespace: every pod running users' code (DESIGN §5b.1). */
    readonly userNamespace: pulumi.Output<string>;
    /** The identity-bound ServiceAccount notebooks, Dask clusters, Spark executors and Ray workers run as. */
    readonly workloadAccount: WorkloadAccount;
    /** Stack outputs of the shared layer. */
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: WorkbenchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:index:Workbench", name, {}, opts);
        const { platform, settings } = args;
        const { config } = settings;
        const { cluster } = platform;
        const provider = cluster.provider;

        // the homes' backup method as the configuration check decided it, from the contract's own pool description
        const homesMethod = chooseHomesMethod(config, clusterSystemPool(cluster), cluster.volumeSnapshots);
        assertSystemPoolFits(settings.stack, config, cluster, homesMethod ? homesDemand(homesMethod.method, clusterSystemPool(cluster), cluster.volumeSnapshots) : undefined);
        assertServingPoolFits(settings.stack, config, cluster.servingPool);

        new ClusterAddons(`${name}-cluster`, { cluster, gpuPools: platform.gpuPools }, { parent: this });

        // retained: it held the homes before the user namespace existed, and holds the hub's database (issue 19)
        const namespace = new k8s.core.v1.Namespace(
            name,
            { metadata: { name } },
            { parent: this, provider, dependsOn: cluster.readyWhen, retainOnDelete: true },
        );
        this.namespace = namespace.metadata.name;
        const usersName = userNamespaceName(name);
        const users = userNamespace({ workbench: name, provider, dependsOn: cluster.readyWhen }, this);
        this.userNamespace = users.metadata.name;

        // users' code reaches the whole bucket except what the platform keeps there (backups, MLflow's artifacts)
        const userScope = { excludePrefixes: [...PLATFORM_BUCKET_PREFIXES] };
        const account: ServiceAccountRef = { namespace: usersName, name: userAccountName(name) };
        this.workloadAccount = new WorkloadAccount(
            `${name}-user`,
            { namespace: this.userNamespace, account, objectStore: platform.objectStore, scope: userScope, provider },
            { parent: this },
        );
        // KubeSpawner in the hub starts and stops servers in the user namespace, and nothing more there
        const hubAccess = namespaceRole(
            `${name}-hub-spawner`,
            {
                namespace: this.userNamespace,
                roleName: "jupyterhub-spawner",
                rules: HUB_USER_NAMESPACE_RULES,
                subject: { namespace: name, name: HUB_SERVICE_ACCOUNT },
                provider,
                dependsOn: [users],
            },
            this,
        );
        // what the hub and the gateway both run users' work with
        const workload: WorkloadInput = {
            namespace: name,
            userNamespace: usersName,
            images: notebookImages(config.notebook),
            serviceAccountName: account.name,
            podLabels: this.workloadAccount.podLabels,
            // s3fs reads path-style addressing from fsspec's environment (S3-compatible stores that need it)
            env: [...this.workloadAccount.env, ...pathStyleEnv(this.workloadAccount.identityEnv)],
            systemPlacement: cluster.systemPool.placement,
            userPool: cluster.userPool,
            gpuPools: platform.gpuPools,
        };
        const dependsOn = [...cluster.readyWhen, namespace, users, ...this.workloadAccount.readyWhen];

        const connections: ServiceConnection[] = [];
        // the hub reads the services' tokens from their Secrets when it starts
        const hubDependsOn: pulumi.Resource[] = [...dependsOn];

        // data services first: notebooks, Dask and Spark pods get their variables
        const data = deployDataServices(config.services, {
            workbench: name,
            namespace: name,
            userNamespace: usersName,
            podsNeedMetadataServer: cluster.capabilities.podsNeedMetadataServer,
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
            restore: config.restore ? new Set(config.restore.services ?? enabledDataServices(config.services)) : undefined,
            parent: this,
        });
        connections.push(...data.connections);
        hubDependsOn.push(...data.readyWhen);

        // homes and every data service into the bucket; a restore's homes come back before the hub lets anyone start
        const backups = new Backups(
            `${name}-backups`,
            {
                backups: config.backups,
                restore: config.restore,
                enabled: enabledDataServices(config.services),
                postgresBackup: config.services.postgres.backup,
                namespace: name,
                userNamespace: usersName,
                objectStore: platform.objectStore,
                homesMethod: homesMethod?.method,
                volumeSnapshots: cluster.volumeSnapshots,
                retainedStorageClass: cluster.retainedStorageClass,
                systemPlacement: cluster.systemPool.placement,
                userPool: cluster.userPool,
                gpuPools: platform.gpuPools,
                podsNeedMetadataServer: cluster.capabilities.podsNeedMetadataServer,
                provider,
                dependsOn: [...dependsOn, ...data.readyWhen],
                warn: (message) => void pulumi.log.warn(message, this),
            },
            { parent: this },
        );
        hubDependsOn.push(...backups.readyWhen);
        // Dask schedulers and workers and Spark pods connect as notebooks do
        workload.env = [...workload.env, ...data.connections.flatMap((connection) => connection.env)];
        const workloadDependsOn = [...dependsOn, ...data.readyWhen];

        if (config.services.dask.enabled) {
            const dask = new DaskGateway(
                `${name}-dask`,
                { ...workload, idleTimeoutMinutes: config.services.dask.idleTimeoutMinutes, clusterLimits: daskClusterLimits(limitsOf(config.users)), provider, dependsOn: workloadDependsOn },
                { parent: this },
            );
            connections.push(dask.connection);
            hubDependsOn.push(dask.tokenSecret);
        }
        let sparkExample: string | undefined;
        let sparkConnectHook: pulumi.Output<string> | undefined;
        const workloadPolicies: ReturnType<typeof sparkPolicySpecs> = [];
        if (config.services.dask.enabled) {
            workloadPolicies.push(["dask", daskPolicySpec(name, { "app.kubernetes.io/name": "dask-gateway", "app.kubernetes.io/instance": DASK_GATEWAY_RELEASE })]);
        }
        if (config.services.spark.enabled) {
            // the driver account: the one user-code account that may create pods (its executors), shaped by admission
            const driver: ServiceAccountRef = { namespace: usersName, name: sparkDriverAccountName(name) };
            const sparkAccount = new WorkloadAccount(
                `${name}-spark-driver`,
                { namespace: this.userNamespace, account: driver, objectStore: platform.objectStore, scope: userScope, provider },
                { parent: this },
            );
            const driverRole = namespaceRole(
                `${name}-spark-driver`,
                { namespace: this.userNamespace, roleName: "spark-driver", rules: SPARK_DRIVER_RULES, subject: driver, provider, dependsOn: [users] },
                this,
            );
            const admission = new SparkAdmission(
                `${name}-spark-admission`,
                {
                    workbench: name,
                    namespace: usersName,
                    driverAccount: driver.name,
                    executorAccount: account.name,
                    allowedSecretEnv: this.workloadAccount.secretName ? [`${account.name}-object-store`] : [],
                    identityTokenAudiences: IDENTITY_TOKEN_AUDIENCES,
                    provider,
                    dependsOn: cluster.readyWhen,
                },
                { parent: this },
            );
            workloadPolicies.push(...sparkPolicySpecs(config.services.spark.connectServer ? { labels: { ...SPARK_DRIVER_POD_LABELS }, ports: DRIVER_PORTS } : undefined));
            const spark = new SparkOperator(
                `${name}-spark`,
                {
                    namespace: name,
                    jobNamespace: usersName,
                    serviceAccountName: driver.name,
                    executorServiceAccountName: account.name,
                    podLabels: workload.podLabels,
                    env: [...sparkAccount.env, ...pathStyleEnv(sparkAccount.identityEnv), ...data.connections.flatMap((connection) => connection.env)],
                    executorEnv: workload.env,
                    identityEnv: this.workloadAccount.identityEnv,
                    bucketUrl: this.workloadAccount.bucketUrl,
                    systemPool: cluster.systemPool,
                    userPool: cluster.userPool,
                    connectServer: config.services.spark.connectServer,
                    provider,
                    // no driver starts before its Role and the admission policy that shapes its executors
                    dependsOn: [...workloadDependsOn, ...sparkAccount.readyWhen, driverRole.binding, admission],
                },
                { parent: this },
            );
            if (spark.connection) connections.push(spark.connection);
            sparkConnectHook = spark.hubHook;
            sparkExample = spark.exampleCommand;
        }

        const serving = servingInput(name, usersName, config, workload, provider, workloadDependsOn, cluster.servingPool);
        connections.push(...deployServing(serving, this).connections);

        const notebookStops = {
            cullIdleMinutes: config.notebook.cullIdleMinutes,
            maxAgeHours: config.notebook.maxAgeHours,
            gpuMaxAgeHours: config.notebook.gpuMaxAgeHours,
            kernelCullIdleMinutes: config.notebook.kernelCullIdleMinutes,
        };
        const gettingStarted = new GettingStarted(
            `${name}-getting-started`,
            {
                namespace: usersName,
                facts: {
                    login: signInFacts(config),
                    ...notebookStops,
                    hasBucket: platform.objectStore !== undefined,
                    hasGpus: platform.gpuPools.length > 0,
                },
                examples: connections.flatMap((connection) => (connection.notebookExample ? [connection.notebookExample] : [])),
                pythonPackages: [...new Set(connections.flatMap((connection) => connection.pythonPackages ?? []))],
                identityEnv: this.workloadAccount.identityEnv,
                provider,
                dependsOn: [users],
            },
            { parent: this },
        );
        hubDependsOn.push(gettingStarted.configMap, hubAccess.binding);

        // Dask, Spark and every other pod running users' code: fenced like the notebooks
        new WorkloadNetworkPolicies(
            `${name}-network`,
            {
                namespace: usersName,
                platformNamespace: name,
                services: connections,
                workloads: workloadPolicies,
                objectStoreEgress: this.workloadAccount.privateEgress,
                podsNeedMetadataServer: cluster.capabilities.podsNeedMetadataServer,
                apiServerEgress: cluster.apiServerEgress,
                provider,
                dependsOn: [users],
            },
            { parent: this },
        );

        const hub = new JupyterHub(
            `${name}-hub`,
            {
                ...workload,
                retainedStorageClass: cluster.retainedStorageClass,
                hubService: cluster.hubService,
                hub: config.hub,
                homeSizeGiB: config.storage.homeSizeGiB,
                ...notebookStops,
                gettingStarted: gettingStarted.mount,
                auth: config.auth,
                users: config.users,
                profileGates: profileGates(config.gpuPools),
                githubClientSecret: settings.secrets.githubClientSecret,
                domain: config.domain,
                tlsEmail: config.tlsEmail,
                services: connections,
                sparkConnectHook,
                provider,
                dependsOn: hubDependsOn,
            },
            { parent: this },
        );

        // a move between clouds: the target's transfer Job, the source's read-only grant (docs/move.md)
        const move = moveOutputs(name, { settings, platform, provider, dependsOn, parent: this });

        this.outputs = {
            ...move,
            namespace: this.namespace,
            userNamespace: this.userNamespace,
            hubUrl: hub.url,
            login: loginOutput(config, hub, { dask: config.services.dask.enabled, gpus: platform.gpuPools.length > 0 }),
            [INITIAL_PASSWORDS_OUTPUT]: hub.initialPasswords,
            ...siteOutputs(name, config, provider, hub, this),
            services: ["jupyterhub", ...connections.map((connection) => connection.name)],
            bucketUrl: this.workloadAccount.bucketUrl,
            sparkExample,
            ...(config.models.length + config.apps.length > 0 ? { served: servedOutputs(serving, hub.url) } : {}),
        };
        this.registerOutputs(this.outputs);
    }
}

/**
 * Where to point DNS and what to register with GitHub: with `workbench:domain`, the record to create
 * for the hub's load balancer (its address once it exists); with GitHub sign-in, the OAuth callback URL.
 */
function siteOutputs(name: string, config: StackSettings["config"], provider: k8s.Provider, hub: JupyterHub, parent: pulumi.Resource): Record<string, pulumi.Input<unknown>> {
    const outputs: Record<string, pulumi.Input<unknown>> = {};
    if (config.domain) {
        const domain = config.domain;
        // the id derives from the release's status, so a preview before the release exists reads nothing
        const proxy = k8s.core.v1.Service.get(`${name}-dns-${PROXY_PUBLIC_SERVICE}`, pulumi.interpolate`${hub.release.status.namespace}/${PROXY_PUBLIC_SERVICE}`, {
            parent,
            provider,
            dependsOn: [hub.release],
        });
        outputs["dns"] = proxy.status.loadBalancer.ingress.apply((ingress) => {
            const hostname = ingress?.[0]?.hostname;
            const ip = ingress?.[0]?.ip;
            const record = hostname ? { type: "CNAME", value: hostname } : ip ? { type: "A", value: ip } : undefined;
            return {
                name: domain,
                loadBalancer: hostname || ip || "(no address yet: kubectl get service proxy-public)",
                ...(record ?? {}),
                instruction: record
                    ? `Create the DNS record ${domain} ${record.type} ${record.value}; Let's Encrypt issues the certificate once it resolves.`
                    : `Once the load balancer has an address, point ${domain} at it (CNAME for a host name, A for an IP).`,
            };
        });
        if (config.auth.type === "github") {
            outputs["githubOAuthCallback"] = `https://${domain}/hub/oauth_callback`;
        }
    }
    return outputs;
}
