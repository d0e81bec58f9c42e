import { DEFAULT_LIMITS } from "../../stacks/schema";
import { DaskClusterLimits, daskClusterLimits } from "../hub/fair-use";
import { NodePlacement } from "../../providers/contract";
import { splitImage } from "../hub/images";
import { USER_CODE_LABELS } from "../labels";
import { NOTEBOOK_USER, RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY } from "../tenancy/zones";
import { egressToPods, SecretKeyRef, ServiceConnection } from "../service-connection";
import { allocatable, gibibytes } from "../sizing";
import { WorkloadInput } from "../workload";

/*
 * Values of the dask-gateway chart, and what notebooks need to use the gateway: pure functions of
 * the contract's pools and the workload account.
 */

/** The gateway's Helm release name; with `fullnameOverride` it fixes the chart's object names. */
export const DASK_GATEWAY_RELEASE = "dask-gateway";

/** The JupyterHub service name the gateway registers as (and checks user scopes against). */
export const DASK_GATEWAY_HUB_SERVICE = "dask-gateway";

/** Where the hub proxies the gateway: notebooks' dashboard links and the API prefix. */
const PREFIX = `/services/${DASK_GATEWAY_HUB_SERVICE}`;

/** The Traefik proxy of the gateway: a ClusterIP Service, reached by notebooks and the hub's proxy only. */
const TRAEFIK_SERVICE = `traefik-${DASK_GATEWAY_RELEASE}`;

/** Traefik serves HTTP and the schedulers' TLS on one entrypoint (`tcp.port: web`). */
const TRAEFIK_POD_PORT = 8000;

/** A worker's default size, when the notebook asks for nothing else. */
const DEFAULT_WORKER = { cores: 1, memoryGiB: 4 };

/** What the gateway needs to know. */
export interface DaskGatewayInput extends WorkloadInput {
    /** The gateway's JupyterHub API token. */
    apiToken: SecretKeyRef;
    /** Idle clusters shut down after this long (`workbench:services.dask.idleTimeoutMinutes`). */
    idleTimeoutMinutes: number;
    /** Per-person fair use: each cluster's size (`workbench:users.limits`); unset, the defaults. */
    clusterLimits?: DaskClusterLimits;
}

/** One worker pool a notebook can pick with `gateway.new_cluster(worker_pool=...)`. */
interface WorkerPool {
    /** The pool's placement, as the contract gives it. */
    nodeSelector: Record<string, string>;
    tolerations: NodePlacement["tolerations"];
    /** Nodes the pool can grow to. */
    maxNodes: number;
    /** What one worker may ask for at most. */
    workerMaxCores: number;
    workerMaxMemoryGiB: number;
    /** GPU pools: the image and the GPU each worker requests. */
    gpu?: { image: string; resource: string; perWorker: number; perNode: number };
}

/** The data the cluster-options handler in the gateway reads. */
export interface ClusterOptionsData {
    /** Workload identity's labels and the user-code fence's, on schedulers and workers. */
    podLabels: Record<string, string>;
    /** Idle clusters shut down after this long. */
    idleTimeoutSeconds: number;
    /** The pool workers go to unless the notebook asks for another. */
    defaultPool: string;
    /** The choosable pools: the user pool by its name, each GPU pool as `gpu-<name>` (as its notebook profile). */
    pools: Record<string, WorkerPool>;
    /** The cores and memory options' defaults and bounds (the handler clamps to the chosen pool). */
    worker: { defaultCores: number; defaultMemoryGiB: number; maxCores: number; maxMemoryGiB: number };
    /** Fair use: every cluster's most workers and cores, whatever its pool could hold. */
    clusterLimits: DaskClusterLimits;
}

function workerPools(input: DaskGatewayInput): Record<string, WorkerPool> {
    const user = allocatable(input.userPool);
    const pools: Record<string, WorkerPool> = {
        [input.userPool.name]: {
            ...input.userPool.placement,
            maxNodes: input.userPool.maxNodes,
            workerMaxCores: user.cpu,
            workerMaxMemoryGiB: user.memoryGiB,
        },
    };
    for (const pool of input.gpuPools) {
        const node = allocatable(pool);
        pools[`gpu-${pool.name}`] = {
            ...pool.placement,
            maxNodes: pool.maxNodes,
            // one GPU per worker: a node's CPU and memory are shared by its GPUs' workers
            workerMaxCores: Math.floor((node.cpu / pool.gpusPerNode) * 10) / 10,
            workerMaxMemoryGiB: Math.floor((node.memoryGiB / pool.gpusPerNode) * 4) / 4,
            gpu: { image: input.images.gpu, resource: pool.resourceName, perWorker: 1, perNode: pool.gpusPerNode },
        };
    }
    return pools;
}

/** The cluster-options data: the pools a notebook can choose, with their limits. */
export function clusterOptionsData(input: DaskGatewayInput): ClusterOptionsData {
    const pools = workerPools(input);
    const maxCores = Math.max(...Object.values(pools).map((p) => p.workerMaxCores));
    const maxMemoryGiB = Math.max(...Object.values(pools).map((p) => p.workerMaxMemoryGiB));
    return {
        podLabels: { ...input.podLabels, ...USER_CODE_LABELS }, // schedulers and workers run users' code: fenced
        idleTimeoutSeconds: input.idleTimeoutMinutes * 60,
        defaultPool: input.userPool.name,
        pools,
        clusterLimits: input.clusterLimits ?? daskClusterLimits(DEFAULT_LIMITS),
        worker: {
            defaultCores: Math.min(DEFAULT_WORKER.cores, pools[input.userPool.name].workerMaxCores),
            defaultMemoryGiB: Math.min(DEFAULT_WORKER.memoryGiB, pools[input.userPool.name].workerMaxMemoryGiB),
            maxCores,
            maxMemoryGiB,
        },
    };
}

/**
 * Gateway configuration the chart has no value for: pod labels, the idle timeout, and cluster options
 * (worker pool, cores, memory) whose handler keeps each cluster within what its pool can hold.
 * The data is embedded as a JSON string literal, which is also a valid Python string literal.
 */
export function clusterOptionsConfig(data: ClusterOptionsData): string {
    return `import json
from dask_gateway_server.options import Float, Options, Select

_workbench = json.loads(${JSON.stringify(JSON.stringify(data))})
c.KubeClusterConfig.scheduler_extra_pod_labels = _workbench["podLabels"]
c.KubeClusterConfig.worker_extra_pod_labels = _workbench["podLabels"]
c.KubeClusterConfig.idle_timeout = _workbench["idleTimeoutSeconds"]

# the chart has set these from the values above; a pool's options extend them
_base_worker_pod = dict(c.KubeClusterConfig.worker_extra_pod_config)
_base_worker_container = dict(c.KubeClusterConfig.worker_extra_container_config)


def _workbench_options(options):
    pool = _workbench["pools"][options.worker_pool]
    cores = min(options.worker_cores, pool["workerMaxCores"])
    memory = min(options.worker_memory, pool["workerMaxMemoryGiB"])
    per_node = max(1, int(min(pool["workerMaxCores"] // cores, pool["workerMaxMemoryGiB"] // memory)))
    overrides = {
        "worker_cores": cores,
        "worker_cores_limit": cores,
        "worker_memory": "%sG" % memory,
        "worker_memory_limit": "%sG" % memory,
        "worker_extra_pod_config": dict(_base_worker_pod, nodeSelector=pool["nodeSelector"], tolerations=pool["tolerations"]),
        "cluster_max_workers": pool["maxNodes"] * per_node,
    }
    gpu = pool.get("gpu")
    if gpu:
        # the image goes into the worker container only: the scheduler keeps the CPU notebook image
        # (a cluster-wide "image" option would pull the CUDA image for the scheduler too)
        overrides["worker_extra_container_config"] = dict(
            _base_worker_container, image=gpu["image"], resources={"limits": {gpu["resource"]: str(gpu["perWorker"])}}
        )
        overrides["cluster_max_workers"] = pool["maxNodes"] * (gpu["perNode"] // gpu["perWorker"])
    # fair use (workbench:users.limits): no cluster grows past these, whatever its pool could hold
    overrides["cluster_max_workers"] = min(overrides["cluster_max_workers"], _workbench["clusterLimits"]["maxWorkers"])
    overrides["cluster_max_cores"] = float(_workbench["clusterLimits"]["maxCores"])
    return overrides


c.Backend.cluster_options = Options(
    Select("worker_pool", list(_workbench["pools"]), default=_workbench["defaultPool"], label="Worker nodes"),
    Float("worker_cores", default=_workbench["worker"]["defaultCores"], min=0.1, max=_workbench["worker"]["maxCores"], label="Worker cores"),
    Float("worker_memory", default=_workbench["worker"]["defaultMemoryGiB"], min=0.5, max=_workbench["worker"]["maxMemoryGiB"], label="Worker memory (GiB)"),
    handler=_workbench_options,
)
`;
}

/**
 * Pods of a Dask cluster: the identity-bound account on a pool. They run users' code and never call
 * the Kubernetes API, so they carry no Kubernetes token (workload identity projects its own).
 */
function clusterPodConfig(serviceAccountName: string, placement: NodePlacement): Record<string, unknown> {
    return {
        serviceAccountName,
        automountServiceAccountToken: false,
        // Pod Security `restricted` in the user namespace; the notebook images run as their own non-root user
        securityContext: { ...RESTRICTED_POD_SECURITY, ...NOTEBOOK_USER },
        nodeSelector: placement.nodeSelector,
        tolerations: placement.tolerations,
    };
}

/** A Dask container's settings: the environment and what `restricted` requires of a container. */
function clusterContainerConfig(env: DaskGatewayInput["env"]): Record<string, unknown> {
    return { env, securityContext: { ...RESTRICTED_CONTAINER_SECURITY, capabilities: { drop: [...RESTRICTED_CONTAINER_SECURITY.capabilities.drop] } } };
}

/** The dask-gateway chart's values. */
export function daskGatewayValues(input: DaskGatewayInput): Record<string, unknown> {
    const system = { nodeSelector: input.systemPlacement.nodeSelector, tolerations: input.systemPlacement.tolerations };
    const pod = clusterPodConfig(input.serviceAccountName, input.userPool.placement);
    const container = clusterContainerConfig(input.env);
    const options = clusterOptionsData(input);
    const { defaultCores, defaultMemoryGiB } = options.worker;
    return {
        fullnameOverride: DASK_GATEWAY_RELEASE,
        gateway: {
            ...system,
            prefix: PREFIX,
            auth: {
                type: "jupyterhub",
                jupyterhub: {
                    apiTokenFromSecretName: input.apiToken.name,
                    apiTokenFromSecretKey: input.apiToken.key,
                    // explicit: the chart's inference from the hub Service's environment fails if the gateway starts first
                    apiUrl: `http://hub.${input.namespace}:8081/hub/api`,
                    // with it, only tokens holding access:services!service=dask-gateway may use the gateway
                    jupyterhubServiceName: DASK_GATEWAY_HUB_SERVICE,
                },
            },
            backend: {
                // clusters run users' code: in the user namespace (the controller's ClusterRole reaches it)
                namespace: input.userNamespace,
                image: splitImage(input.images.cpu),
                scheduler: {
                    extraPodConfig: pod,
                    extraContainerConfig: container,
                    cores: { request: 0.5, limit: 1 },
                    memory: { request: "1G", limit: "2G" },
                },
                worker: {
                    extraPodConfig: pod,
                    extraContainerConfig: container,
                    // what a cluster gets without options; the options handler sets the same by default
                    cores: { request: defaultCores, limit: defaultCores },
                    memory: { request: gibibytes(defaultMemoryGiB), limit: gibibytes(defaultMemoryGiB) },
                },
            },
            extraConfig: { "10-workbench-cluster-options": clusterOptionsConfig(options) },
        },
        controller: system,
        traefik: {
            ...system,
            // the hub's proxy is the one public entry point
            service: { type: "ClusterIP" },
        },
    };
}

/** How notebooks reach the gateway: its addresses in the environment, egress to its proxy, registration with the hub, an example. */
export function daskGatewayConnection(input: Pick<DaskGatewayInput, "namespace" | "apiToken"> & Partial<Pick<DaskGatewayInput, "idleTimeoutMinutes">>): ServiceConnection {
    const traefik = `${TRAEFIK_SERVICE}.${input.namespace}`;
    return {
        name: "dask-gateway",
        env: [
            { name: "DASK_GATEWAY__ADDRESS", value: `http://${traefik}${PREFIX}` },
            { name: "DASK_GATEWAY__PROXY_ADDRESS", value: `gateway://${traefik}:80` },
            { name: "DASK_GATEWAY__PUBLIC_ADDRESS", value: `${PREFIX}/` },
            { name: "DASK_GATEWAY__AUTH__TYPE", value: "jupyterhub" },
        ],
        egress: [
            egressToPods(
                { "app.kubernetes.io/name": "dask-gateway", "app.kubernetes.io/instance": DASK_GATEWAY_RELEASE, "app.kubernetes.io/component": "traefik" },
                [TRAEFIK_POD_PORT],
            ),
        ],
        hubService: {
            url: `http://${traefik}`,
            token: input.apiToken,
            userScopes: [`access:services!service=${DASK_GATEWAY_HUB_SERVICE}`],
        },
        notebookExample: {
            title: "Dask",
            code: [
                "from dask_gateway import Gateway   # DASK_GATEWAY__* are set: no arguments (Dask / PyData or GPU environment)",
                "gateway = Gateway()",
                'cluster = gateway.new_cluster()     # or worker_pool="gpu-<pool>", worker_cores=..., worker_memory=... (GiB)',
                "cluster.scale(2)                    # workers on the user pool, which scales up from zero",
                "client = cluster.get_client()",
                "import dask.array as da",
                "print(da.random.random((20_000, 20_000), chunks=2_000).mean().compute())",
                `cluster.shutdown()                  # or leave it: an idle cluster stops after ${input.idleTimeoutMinutes ?? "its idle timeout in"} minutes`,
            ].join("\n"),
        },
    };
}
