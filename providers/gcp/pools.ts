import type { GpuPoolConfig, WorkbenchConfig } from "../../stacks/schema";
import { CPU_SHAPES, cpuInstanceTypes, cpuPoolInstanceTypes, describeGpuMachine, gpuMachine, NODE_DISK_GIB } from "../catalog";
import { GpuPool, NodePool, Toleration } from "../contract";
import { GPU_NODE_TAINT, placementOn, SERVING_NODE_TAINT, SERVING_POOL_NAME, USER_NODE_LABELS, USER_NODE_TAINT } from "../placement";
import { gkeAllocatable } from "../allocatable";
import { gpuPoolFrom, nodePoolFrom, PoolSpecBase } from "../pool-spec";
import { GKE_DAEMONSETS_PER_NODE, GKE_GPU_DAEMONSETS } from "./system-agents";

/*
 * The node pools of a GKE workbench, as data: what each `gcp.container.NodePool` is (machine, spot,
 * scaling, labels, taints, accelerators) and what the shared layer is told about it. The node pool
 * resources and the contract both read one PoolSpec, so they cannot disagree.
 */

/** Names each node's pool, so that a pod's node selector matches exactly one pool. */
export const POOL_LABEL = "workbench/pool";

/** The z2jh convention for the nodes of the hub, the proxy and other core pods. */
export const CORE_NODE_LABELS: Readonly<Record<string, string>> = { "hub.jupyter.org/node-purpose": "core" };

/** GKE labels every Spot VM node so (GKE "Spot VMs"); it adds no taint to Standard pools unless one is declared. */
export const SPOT_LABELS: Readonly<Record<string, string>> = { "cloud.google.com/gke-spot": "true" };

/**
 * The taint GKE puts on Spot nodes it creates itself (Autopilot, node auto-provisioning), not on the Standard
 * pools this platform declares. Pods for spot pools tolerate it all the same: a toleration without its taint
 * costs nothing, and it keeps notebooks schedulable should a GKE version start adding it to Standard pools.
 */
export const SPOT_TOLERATION: Toleration = { key: "cloud.google.com/gke-spot", operator: "Equal", value: "true", effect: "NoSchedule" };

/** GKE labels the nodes of a pool with `GKE_METADATA` so; the metadata server DaemonSet selects on it. */
export const METADATA_SERVER_LABELS: Readonly<Record<string, string>> = { "iam.gke.io/gke-metadata-server-enabled": "true" };

/** The label GKE puts on GPU nodes naming the accelerator type (e.g. `nvidia-tesla-t4`). */
export const ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator";

export { GPU_RESOURCE } from "../pool-spec";

/** Pods per node on GKE Standard when the cluster sets no other maximum (GKE "Configure maximum Pods per node"). */
export const GKE_MAX_PODS = 110;

/** Everything about one GKE node pool. */
export interface PoolSpec extends PoolSpecBase {
    /** The GCE machine type. */
    machineType: string;
    /** Spot VMs. */
    spot: boolean;
    /** Boot disk, GiB. */
    diskGiB: number;
    /** The pool autoscales between min and max (user and GPU pools); the system pool has a fixed size. */
    autoscaled: boolean;
    /** Labels the pool's `nodeConfig.labels` sets. */
    poolLabels: Record<string, string>;
    /** The GKE accelerator type of a GPU pool (`guestAccelerators[].type`). */
    acceleratorType?: string;
}

/** The labels GKE adds to a pool's nodes besides the declared ones. */
function gkeLabels(spot: boolean, acceleratorType?: string): Record<string, string> {
    return { ...METADATA_SERVER_LABELS, ...(spot ? SPOT_LABELS : {}), ...(acceleratorType ? { [ACCELERATOR_LABEL]: acceleratorType } : {}) };
}

function gpuPoolSpec(pool: GpuPoolConfig): PoolSpec {
    const machine = gpuMachine(pool.gpu, "gcp");
    // `gpu-` keeps a GPU pool named `user` or `system` from sharing a label value with those pools
    const selectorLabels = { ...USER_NODE_LABELS, [POOL_LABEL]: `gpu-${pool.name}` };
    const acceleratorType = machine.acceleratorType;
    if (!acceleratorType) throw new Error(`the GPU catalog's gcp machine for ${pool.gpu} names no accelerator type`);
    return {
        name: pool.name,
        role: "gpu",
        machineType: machine.instanceTypes[0],
        spot: pool.spot,
        diskGiB: NODE_DISK_GIB.gpu,
        minNodes: pool.minNodes,
        maxNodes: pool.maxNodes,
        autoscaled: true,
        poolLabels: selectorLabels,
        labels: { ...selectorLabels, ...gkeLabels(pool.spot, acceleratorType) },
        selectorLabels,
        // Declared, not left to GKE: GKE adds it only when a non-GPU pool already exists, which the
        // default pool's removal can race (terraform-google-modules/terraform-google-kubernetes-engine#703). GKE's own device plugin tolerates it.
        taints: [GPU_NODE_TAINT],
        gpu: pool.gpu,
        acceleratorType,
        gpusPerNode: machine.gpuCount,
        vcpu: machine.vcpu,
        memoryGiB: machine.memoryGiB,
    };
}

/**
 * The on-demand serving pool (`workbench:servingPool`): standard VMs (not Spot) of the user pool's machine family at
 * its own size, autoscaled from `nodes` (always on) to `maxNodes`, tainted for served pods only.
 */
function servingPoolSpec(config: WorkbenchConfig): PoolSpec | undefined {
    const serving = config.servingPool;
    if (!serving) return undefined;
    const selectorLabels = { [POOL_LABEL]: SERVING_POOL_NAME };
    return {
        name: SERVING_POOL_NAME,
        role: "serving",
        machineType: cpuInstanceTypes("gcp", "user", serving.size)[0],
        spot: false,
        diskGiB: NODE_DISK_GIB.user,
        minNodes: serving.nodes,
        maxNodes: serving.maxNodes ?? serving.nodes,
        autoscaled: true,
        poolLabels: selectorLabels,
        labels: { ...selectorLabels, ...gkeLabels(false) },
        selectorLabels,
        taints: [SERVING_NODE_TAINT],
        gpusPerNode: 0,
        ...CPU_SHAPES[serving.size],
    };
}

/**
 * The pools of a GCP stack: the always-on system pool (untainted, so GKE's own Deployments and the
 * cluster add-ons land there), the CPU user pool and one pool per configured GPU pool (both tainted,
 * labelled for z2jh, from zero), and the on-demand serving pool when configured.
 */
export function poolSpecs(config: WorkbenchConfig): { system: PoolSpec; user: PoolSpec; gpu: PoolSpec[]; serving?: PoolSpec } {
    const systemSelector = { [POOL_LABEL]: "system" };
    const systemLabels = { ...CORE_NODE_LABELS, ...systemSelector };
    const system: PoolSpec = {
        name: "system",
        role: "system",
        machineType: cpuPoolInstanceTypes(config, "gcp", "system")[0],
        spot: config.systemPool.spot,
        diskGiB: NODE_DISK_GIB.system,
        minNodes: config.systemPool.nodes,
        maxNodes: config.systemPool.nodes,
        autoscaled: false,
        poolLabels: systemLabels,
        labels: { ...systemLabels, ...gkeLabels(config.systemPool.spot) },
        selectorLabels: systemSelector,
        taints: [],
        gpusPerNode: 0,
        ...CPU_SHAPES[config.systemPool.size],
    };

    const userSelector = { ...USER_NODE_LABELS, [POOL_LABEL]: "user" };
    const user: PoolSpec = {
        name: "user",
        role: "user",
        machineType: cpuPoolInstanceTypes(config, "gcp", "user")[0],
        spot: config.userPool.spot,
        diskGiB: NODE_DISK_GIB.user,
        minNodes: config.userPool.minNodes,
        maxNodes: config.userPool.maxNodes,
        autoscaled: true,
        poolLabels: userSelector,
        labels: { ...userSelector, ...gkeLabels(config.userPool.spot) },
        selectorLabels: userSelector,
        taints: [USER_NODE_TAINT],
        gpusPerNode: 0,
        ...CPU_SHAPES[config.userPool.size],
    };

    const serving = servingPoolSpec(config);
    return { system, user, gpu: config.gpuPools.map(gpuPoolSpec), ...(serving ? { serving } : {}) };
}

/** The pool's placement: its selector and a toleration per taint, plus {@link SPOT_TOLERATION} on spot pools. */
function spotPlacement(spec: PoolSpec) {
    const placement = placementOn(spec.selectorLabels, spec.taints);
    return spec.spot ? { ...placement, tolerations: [...placement.tolerations, { ...SPOT_TOLERATION }] } : placement;
}

/** What the shared layer is told about a pool. */
export function nodePoolOf(spec: PoolSpec): NodePool {
    // the catalog's GCE machine types (E2, N2, G2, A2…) are all x86-64
    const node = nodePoolFrom(spec, { spot: spec.spot, maxPods: GKE_MAX_PODS, placement: spotPlacement(spec), allocatable: gkeAllocatable(spec.vcpu, spec.memoryGiB), architecture: "amd64" });
    return { ...node, daemonSets: daemonSetsOn(spec) };
}

/** What GKE's DaemonSets request on one node of the pool: the GPU ones too on GPU nodes. */
export function daemonSetsOn(spec: Pick<PoolSpec, "acceleratorType">): { cpuMillis: number; memoryMiB: number; pods: number } {
    const gpu = spec.acceleratorType ? GKE_GPU_DAEMONSETS : { cpuMillis: 0, memoryMiB: 0, pods: 0 };
    return {
        cpuMillis: GKE_DAEMONSETS_PER_NODE.cpuMillis + gpu.cpuMillis,
        memoryMiB: GKE_DAEMONSETS_PER_NODE.memoryMiB + gpu.memoryMiB,
        pods: GKE_DAEMONSETS_PER_NODE.pods + gpu.pods,
    };
}

/** What the shared layer is told about a GPU pool. */
export function gpuPoolOf(spec: PoolSpec): GpuPool {
    return gpuPoolFrom(spec, nodePoolOf(spec), (gpu) => describeGpuMachine(gpu, { vcpu: spec.vcpu, memoryGiB: spec.memoryGiB, gpuCount: spec.gpusPerNode }));
}
