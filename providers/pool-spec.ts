import type { KubeletAllocatable } from "./allocatable";
import { GpuClass } from "./catalog";
import { CpuArchitecture, GpuPool, NodePlacement, NodePool, Taint } from "./contract";
import { placementOn } from "./placement";

/*
 * What every cloud's description of one node pool has in common, and how it becomes the contract's
 * NodePool or GpuPool. Each platform's own PoolSpec extends this with what its cloud needs (instance types,
 * machine type, VM size, disks), and its node pools, autoscaler data and contract all read one spec.
 */

/** The extended resource NVIDIA's device plugin advertises (on GKE its own plugin advertises the same). */
export const GPU_RESOURCE = "nvidia.com/gpu";

/** The facts about a pool that every cloud records the same way. */
export interface PoolSpecBase {
    /** `system`, `user`, `serving`, or the GPU pool's configured name. */
    name: string;
    /**
     * What the pool is for: the always-on system pool, the CPU user pool, a GPU pool, or the on-demand serving
     * pool (`workbench:servingPool`) that holds served models and apps.
     */
    role: "system" | "user" | "gpu" | "serving";
    /** Nodes at the least (0 for pools that scale from zero). */
    minNodes: number;
    /** Nodes at the most. */
    maxNodes: number;
    /** Every label the nodes carry, the ones the cloud adds included. */
    labels: Record<string, string>;
    /** The labels a pod selects the pool by (a subset of {@link labels}). */
    selectorLabels: Record<string, string>;
    /** Taints the nodes carry, the cloud's own included; pods of the pool tolerate each. */
    taints: Taint[];
    /** The GPU class of a GPU pool. */
    gpu?: GpuClass;
    /** GPUs per node (0 for CPU pools). */
    gpusPerNode: number;
    /** vCPUs per node. */
    vcpu: number;
    /** Memory per node, GiB. */
    memoryGiB: number;
}

/** What only the cloud knows about a pool's nodes, for the contract. */
export interface PoolNodeFacts {
    /** Spot/preemptible capacity. */
    spot: boolean;
    /** Pods one node can hold. */
    maxPods: number;
    /** Where pods go; by default the pool's selector labels and a toleration for each taint. */
    placement?: NodePlacement;
    /** What the kubelet offers pods on one node, by the cloud's documented reservations. */
    allocatable?: KubeletAllocatable;
    /** The nodes' CPU architecture: every managed pool runs one. */
    architecture: CpuArchitecture;
}

/** What the shared layer is told about a pool. */
export function nodePoolFrom(spec: PoolSpecBase, facts: PoolNodeFacts): NodePool {
    return {
        name: spec.name,
        labels: { ...spec.labels },
        taints: spec.taints.map((t) => ({ ...t })),
        placement: facts.placement ?? placementOn(spec.selectorLabels, spec.taints),
        vcpu: spec.vcpu,
        memoryGiB: spec.memoryGiB,
        minNodes: spec.minNodes,
        maxNodes: spec.maxNodes,
        spot: facts.spot,
        maxPods: facts.maxPods,
        architecture: facts.architecture,
        ...(facts.allocatable ? { allocatable: facts.allocatable } : {}),
    };
}

/** What the shared layer is told about a GPU pool: the pool, its GPUs and the line its notebook profile shows. */
export function gpuPoolFrom(spec: PoolSpecBase, node: NodePool, describe: (gpu: GpuClass) => string): GpuPool {
    const gpu = spec.gpu;
    if (!gpu) throw new Error(`pool ${spec.name} has no GPU class`);
    return { ...node, gpu, resourceName: GPU_RESOURCE, gpusPerNode: spec.gpusPerNode, description: describe(gpu) };
}
