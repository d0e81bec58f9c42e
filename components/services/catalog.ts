import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { log as pulumiLog } from "@pulumi/pulumi";
import type { GpuPool, NodePlacement, NodePool, ObjectStore, PrivateDestination } from "../../providers/contract";
import type { ServiceName, WorkbenchConfig } from "../../stacks/schema";
import type { SystemPods } from "../capacity/requests";
import type { ServiceConnection } from "../service-connection";
import { cassandra } from "./cassandra";
import { elasticsearch } from "./elasticsearch";
import { mariadb } from "./mariadb";
import { mlflow } from "./mlflow";
import { mongodb } from "./mongodb";
import { opensearch } from "./opensearch";
import { orientdb } from "./orientdb";
import { postgres } from "./postgres";
import { ray } from "./ray";
import { workflows } from "./workflows";

/*
 * The catalog of data services: one module per service behind one interface. The Workbench deploys the
 * enabled ones in this order; the fit check asks each what it places on the always-on pool. Adding a
 * service is adding its module and its line in DATA_SERVICES (and its switch in stacks/schema.ts).
 */

/** The data services (every service but Dask and Spark, which the Workbench composes itself). */
export type DataServiceName = Exclude<ServiceName, "dask" | "spark">;

/** A service's settings as configured (`workbench:services.<name>`), defaults applied. */
export type ServiceSettings<N extends ServiceName> = WorkbenchConfig["services"][N];

/** What a service is deployed with: the contract's data, the namespace and what came before it. */
export interface ServiceContext {
    /** The workbench's name: prefix of logical names. */
    workbench: string;
    /** The platform namespace: the data servers, their operators and every credential (superusers) live here. */
    namespace: string;
    /**
     * The namespace where user-code pods run (notebooks, Dask, Spark, Ray: DESIGN §5b.1). Each service admits
     * pods labelled USER_CODE_LABELS from it, and the Secret holding the ordinary account notebooks use is
     * created in it (a pod reads Secrets of its own namespace only). It must exist before the services deploy
     * (its Namespace belongs in {@link dependsOn}); it may equal {@link namespace} on a one-namespace layout.
     */
    userNamespace: string;
    /**
     * The platform's workload identity is served by the metadata server (GKE): data servers with a bucket
     * identity (PostgreSQL's backups, MLflow's artifacts) may reach it through their egress fence.
     */
    podsNeedMetadataServer: boolean;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** What every service waits for (namespace, storage class, node pools). */
    dependsOn: pulumi.Resource[];
    /** The always-on pool: stateful servers and operators go here. */
    systemPlacement: NodePlacement;
    /** ReadWriteOnce storage class whose volumes are retained when released. */
    retainedStorageClass: pulumi.Input<string>;
    /** The CPU pool (Ray workers scale on it from zero). */
    userPool: NodePool;
    /** GPU pools (each gets a Ray worker group from zero). */
    gpuPools: readonly GpuPool[];
    /** The workbench bucket, for backups and artifacts; absent on stacks without one. */
    objectStore?: ObjectStore;
    /** Where pods reach the Kubernetes API server (operators, Ray's autoscaler). */
    apiServerEgress: readonly PrivateDestination[];
    /** Labels pods running users' code carry, besides USER_CODE_LABELS (workload identity's). */
    workloadPodLabels: Record<string, string>;
    /** The identity-bound ServiceAccount users' code runs as (Ray's pods). */
    workloadServiceAccount: string;
    /** The environment pods running users' code get: the workload account's, plus the services deployed so far. */
    workloadEnv: k8s.types.input.core.v1.EnvVar[];
    /** What pods with {@link workloadEnv} need first (the Secrets it references). */
    workloadReadyWhen: pulumi.Resource[];
    /** Every data service this stack deploys (PostgreSQL declares MLflow's database up front). */
    enabled: ReadonlySet<DataServiceName>;
    /** Services deployed earlier in the catalog's order (MLflow stores its metadata in PostgreSQL). */
    deployed: ReadonlyMap<DataServiceName, DeployedService>;
    /** Warns once, attached to the workbench (backups off, legacy software). */
    warn(message: string): void;
    /**
     * The services to rebuild from their backups in the bucket (`workbench:restore`, docs/backups.md): PostgreSQL
     * bootstraps its Cluster by recovery from its object store instead of an empty initdb. Absent without a restore.
     */
    restore?: ReadonlySet<string>;
}

/** A service the Workbench deployed. */
export interface DeployedService {
    /** What notebooks, Dask and Spark pods get: env by Secret reference, egress, packages, example. */
    connection: ServiceConnection;
    /** Resources the hub must wait for (Secrets its environment references). */
    readyWhen: pulumi.Resource[];
    /** A PostgreSQL database another service can use (PostgreSQL only). */
    database?: PostgresDatabaseProvider;
}

/** Lets a later service ask PostgreSQL for a database of its own (MLflow). */
export interface PostgresDatabaseProvider {
    /**
     * A database and owner role; returns the Secret holding its SQLAlchemy URL under `key`, and the
     * pod labels and port to open egress to.
     */
    database(owner: string, parent: pulumi.Resource): { urlSecret: { name: string; key: string }; podLabels: Record<string, string>; port: number; readyWhen: pulumi.Resource[] };
}

/** One entry of the catalog. */
export interface CatalogService<N extends DataServiceName> {
    /** The config key under `workbench:services`. */
    name: N;
    /** Other services it needs, deployed before it and switched on with it. */
    requires: readonly DataServiceName[];
    /** What it places on the always-on pool with these settings (operator, servers). */
    systemPods(settings: ServiceSettings<N>): SystemPods[];
    /** Creates its resources under `parent`. */
    deploy(context: ServiceContext, settings: ServiceSettings<N>, parent: pulumi.Resource): DeployedService;
}

/** The catalog, keyed by name. */
export type Catalog = { [N in DataServiceName]: CatalogService<N> };

/** Every data service, in deployment order (a service after those it requires). */
export const DATA_SERVICES: Catalog = {
    postgres,
    mariadb,
    mongodb,
    opensearch,
    elasticsearch,
    cassandra,
    orientdb,
    ray,
    mlflow,
    workflows,
};

/** The data services' names, in deployment order. */
export const DATA_SERVICE_NAMES = Object.keys(DATA_SERVICES) as DataServiceName[];

/** The data services a configuration switches on, with the ones they require, in deployment order. */
export function enabledDataServices(services: WorkbenchConfig["services"]): DataServiceName[] {
    const wanted = new Set<DataServiceName>(DATA_SERVICE_NAMES.filter((name) => services[name].enabled));
    for (const name of [...wanted].reverse()) for (const required of DATA_SERVICES[name].requires) wanted.add(required);
    return DATA_SERVICE_NAMES.filter((name) => wanted.has(name));
}

/** The settings a required-but-not-enabled service runs with: its defaults. */
function settingsOf<N extends DataServiceName>(services: WorkbenchConfig["services"], name: N): ServiceSettings<N> {
    return services[name];
}

/** What one service places on the always-on pool. */
export function systemPodsOf<N extends DataServiceName>(services: WorkbenchConfig["services"], name: N): SystemPods[] {
    const entry: CatalogService<N> = DATA_SERVICES[name];
    return entry.systemPods(settingsOf(services, name));
}

/** Deploys one service. */
export function deployService<N extends DataServiceName>(
    services: WorkbenchConfig["services"],
    name: N,
    context: ServiceContext,
    parent: pulumi.Resource,
): DeployedService {
    const entry: CatalogService<N> = DATA_SERVICES[name];
    return entry.deploy(context, settingsOf(services, name), parent);
}

/** What the Workbench knows when it deploys the data services. */
export type DataServicesInput = Omit<ServiceContext, "enabled" | "deployed" | "workloadReadyWhen" | "warn"> & {
    /** Where the services' warnings are attached. */
    parent: pulumi.Resource;
};

/** The enabled data services, deployed. */
export interface DeployedServices {
    /** Their connections, in deployment order. */
    connections: ServiceConnection[];
    /** What pods using their variables (and the hub) must wait for: the Secrets the variables reference. */
    readyWhen: pulumi.Resource[];
}

/**
 * Deploys every data service the configuration switches on (and those they require), in the catalog's
 * order: each later service gets the earlier ones' connections (MLflow's database, Ray's variables).
 */
export function deployDataServices(services: WorkbenchConfig["services"], input: DataServicesInput): DeployedServices {
    const { parent, ...base } = input;
    const enabled = enabledDataServices(services);
    const deployed = new Map<DataServiceName, DeployedService>();
    const warned = new Set<string>();
    const context: ServiceContext = {
        ...base,
        workloadReadyWhen: [],
        enabled: new Set(enabled),
        deployed,
        warn: (message) => {
            if (!warned.has(message)) void pulumiLog.warn(message, parent);
            warned.add(message);
        },
    };
    const connections: ServiceConnection[] = [];
    for (const name of enabled) {
        if (!services[name].enabled) context.warn(`services.${name} is off, but a service that needs it is on: deploying it with its settings.`);
        const result = deployService(services, name, context, parent);
        deployed.set(name, result);
        connections.push(result.connection);
        // later services running users' code (Ray) reach the earlier ones as notebooks do
        context.workloadEnv = [...context.workloadEnv, ...result.connection.env];
        context.workloadReadyWhen = [...context.workloadReadyWhen, ...result.readyWhen];
    }
    return { connections, readyWhen: context.workloadReadyWhen };
}
