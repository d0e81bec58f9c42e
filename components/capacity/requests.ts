import type { ResourceRequests } from "../../providers/contract";

/*
 * What each pod the workbench places on the always-on system pool requests: the one home of these
 * numbers. The services' own manifests and values take their requests from here, and the always-on fit
 * check (fit.ts) adds the same figures up, so what is checked is what is asked for.
 *
 * Charts whose values leave `resources: {}` (z2jh's hub, proxy and user-scheduler, Dask Gateway, the
 * Spark operator) run their pods without requests; they are counted here at what they use idle (memory
 * generously, CPU as an idle hub uses it), so the check does not promise room they already fill.
 */

/** One component's pods on the system pool, all replicas together. */
export interface SystemPods extends ResourceRequests {
    /** What runs, as the fit check's message names it. */
    component: string;
}

/** Velero's server, always on the system pool whenever homes are backed up (components/backups/velero.ts sets its requests). */
export const VELERO_SERVER: ServerSize = { cpuMillis: 50, memoryMiB: 128 };

/**
 * Velero's node agent, one per node it runs on. With file-system backup it runs where homes are mounted (user and
 * GPU nodes, never the system pool); with the snapshot data mover it runs on the system pool only, beside the data
 * movers it watches (components/backups/velero.ts says why).
 */
export const VELERO_NODE_AGENT: ServerSize = { cpuMillis: 50, memoryMiB: 128 };

/**
 * One of the short-lived pods Velero starts on the system pool around the backups: a data mover (snapshot data
 * movement) or a kopia repository maintenance Job. Both carry only Velero's own list of tolerations, so the system
 * pool is the one place they can run; the node agent runs one data mover at a time and queues the next, and
 * maintenance Jobs wait for room the same way, so one such pod at a time is what the pool must hold. Its memory is
 * limited to {@link VELERO_TRANSIENT_MEMORY_LIMIT_MIB}: kopia's index grows with the files a home holds.
 */
export const VELERO_TRANSIENT: ServerSize = { cpuMillis: 100, memoryMiB: 256 };

/** The memory limit of a data mover or maintenance pod, MiB: room for kopia's index of a home of many small files. */
export const VELERO_TRANSIENT_MEMORY_LIMIT_MIB = 2048;

/** Velero's server, as the fit check lists it. */
export const BACKUP_PODS: readonly SystemPods[] = [{ component: "Velero server (homes backups)", ...VELERO_SERVER, pods: 1 }];

/** A server's CPU and memory, the unit the services' settings override. */
export interface ServerSize {
    /** CPU, millicores. */
    cpuMillis: number;
    /** Memory, MiB; limited to the same (databases must not be killed for a neighbour's burst). */
    memoryMiB: number;
}

/** z2jh's pods: the hub, its proxy and the two-replica user-scheduler. */
export const HUB_PODS: readonly SystemPods[] = [
    { component: "JupyterHub hub", cpuMillis: 100, memoryMiB: 512, pods: 1 },
    { component: "JupyterHub proxy", cpuMillis: 50, memoryMiB: 128, pods: 1 },
    { component: "JupyterHub user-scheduler (2 replicas)", cpuMillis: 50, memoryMiB: 256, pods: 2 },
];

/** Dask Gateway's API server, controller and Traefik proxy. */
export const DASK_GATEWAY_PODS: readonly SystemPods[] = [{ component: "Dask Gateway (api, controller, traefik)", cpuMillis: 75, memoryMiB: 384, pods: 3 }];

/** The Kubeflow Spark operator's controller and webhook. */
export const SPARK_OPERATOR_PODS: readonly SystemPods[] = [{ component: "Spark operator (controller, webhook)", cpuMillis: 50, memoryMiB: 256, pods: 2 }];

/**
 * The always-on Spark Connect server notebooks get their SparkSession from (`services.spark.connectServer`):
 * its heap and metaspace, threads and gRPC buffers; the pod is sized from these (components/spark/connect.ts).
 */
export const SPARK_CONNECT_SERVER: ServerSize = { cpuMillis: 250, memoryMiB: 1024 };

/** The Spark Connect server's pod on the system pool. */
export const SPARK_CONNECT_SERVER_PODS: readonly SystemPods[] = [{ component: "Spark Connect server", ...SPARK_CONNECT_SERVER, pods: 1 }];

/** cluster-autoscaler, where the platform asks the shared layer to install it (its chart's default requests). */
export const CLUSTER_AUTOSCALER_PODS: readonly SystemPods[] = [{ component: "cluster-autoscaler", cpuMillis: 100, memoryMiB: 300, pods: 1 }];

/**
 * Default sizes of the data services' servers, for one person. PostgreSQL: CloudNativePG's sizing example
 * scaled down (shared_buffers 128 MB in 512 Mi). JVM servers: a 512 MiB heap plus off-heap memory.
 */
export const SERVER_SIZES = {
    postgres: { cpuMillis: 250, memoryMiB: 512 },
    mariadb: { cpuMillis: 250, memoryMiB: 512 },
    mongodb: { cpuMillis: 250, memoryMiB: 768 },
    opensearch: { cpuMillis: 250, memoryMiB: 1536 },
    elasticsearch: { cpuMillis: 250, memoryMiB: 1536 },
    cassandra: { cpuMillis: 500, memoryMiB: 2048 },
    orientdb: { cpuMillis: 250, memoryMiB: 1280 },
    /** The Ray head: GCS, dashboard and the client server, no tasks (`num-cpus: 0`). */
    ray: { cpuMillis: 500, memoryMiB: 2048 },
    /** One uvicorn worker ({@link MLFLOW_WORKERS}) of the `-full` image's server. */
    mlflow: { cpuMillis: 100, memoryMiB: 512 },
} as const satisfies Record<string, ServerSize>;

/**
 * MLflow's server workers. Since 3.x `mlflow server` runs uvicorn: each worker imports the FastAPI and Flask
 * app with every extra of the `-full` image (docker/Dockerfile.full), an estimated {@link MLFLOW_WORKER_MIB}
 * each (not measured here), and more than one worker adds a supervisor process too.
 */
export const MLFLOW_WORKERS = 1;
/** What one MLflow worker is budgeted (an estimate: the app's imports plus request buffers; measure on a real pod). */
export const MLFLOW_WORKER_MIB = 320;

/** Default volume sizes, GiB (PostgreSQL keeps up to 512 MB of WAL besides the data). */
export const STORAGE_GIB = {
    postgres: 10,
    mariadb: 10,
    mongodb: 10,
    opensearch: 10,
    elasticsearch: 10,
    cassandra: 10,
    orientdb: 10,
} as const satisfies Record<string, number>;

/** Operators and sidecars the services bring, requested as set in their values here. */
export const OPERATOR_SIZES = {
    /** CloudNativePG's own manifest requests 100m/100Mi (its chart leaves resources empty). */
    cloudnativePg: { cpuMillis: 100, memoryMiB: 200 },
    /** KubeRay's chart sets limits only (100m/512Mi), which Kubernetes also takes as requests. */
    kuberay: { cpuMillis: 100, memoryMiB: 512 },
    /** Ray's autoscaler sidecar in the head pod (KubeRay defaults it to 500m/512Mi; idle it needs far less CPU). */
    rayAutoscaler: { cpuMillis: 200, memoryMiB: 512 },
    /** The hub-authenticating proxy in front of MLflow's UI and API. */
    hubAuthProxy: { cpuMillis: 50, memoryMiB: 128 },
    /** A shell sidecar that makes a server's ordinary account through its API, then sleeps (OpenSearch's). */
    accountSidecar: { cpuMillis: 10, memoryMiB: 32 },
} as const satisfies Record<string, ServerSize>;

/** A size as a container's `resources`: CPU requested, memory requested and limited alike. */
export function containerResources(size: ServerSize): { requests: Record<string, string>; limits: Record<string, string> } {
    return {
        requests: { cpu: `${size.cpuMillis}m`, memory: `${size.memoryMiB}Mi` },
        limits: { memory: `${size.memoryMiB}Mi` },
    };
}

/** A size with the settings' overrides applied. */
export function sizeWith(defaults: ServerSize, settings: { cpuMillis?: number; memoryMiB?: number }): ServerSize {
    return { cpuMillis: settings.cpuMillis ?? defaults.cpuMillis, memoryMiB: settings.memoryMiB ?? defaults.memoryMiB };
}
