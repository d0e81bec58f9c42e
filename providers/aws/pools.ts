import { ConfigProblem } from "../../stacks/errors";
import type { GpuPoolConfig, WorkbenchConfig } from "../../stacks/schema";
import { CPU_SHAPES, cpuInstanceTypes, cpuPoolInstanceTypes, describeGpuMachine, GpuClass, gpuMachine, NODE_DISK_GIB } from "../catalog";
import { GpuPool, NodePool } from "../contract";
import { GPU_NODE_TAINT, SERVING_NODE_TAINT, SERVING_POOL_NAME, USER_NODE_LABELS, USER_NODE_TAINT } from "../placement";
import { eksAllocatable } from "../allocatable";
import { gpuPoolFrom, nodePoolFrom, PoolSpecBase } from "../pool-spec";
import { overrideShapeProblems } from "./instance-shapes";
import { kubeReservedPodsOf, maxPodsOf } from "./max-pods";
import type { PoolDemand } from "./zones";

/*
 * The node pools of an EKS workbench, as data: what each managed node group is (instance types, AMI,
 * capacity, scaling, labels, taints) and what the shared layer is told about it. Everything the node
 * groups, their Auto Scaling group tags and the contract say about a pool comes from one PoolSpec,
 * so they cannot disagree.
 */

/** Names each node's pool, so that a pod's node selector matches exactly one pool. */
export const POOL_LABEL = "workbench/pool";

/** The label EKS puts on every managed node: `ON_DEMAND` or `SPOT`. */
export const CAPACITY_TYPE_LABEL = "eks.amazonaws.com/capacityType";

/** The z2jh convention for the nodes of the hub, the proxy and other core pods. */
export const CORE_NODE_LABELS: Readonly<Record<string, string>> = { "hub.jupyter.org/node-purpose": "core" };

/**
 * NVIDIA's device plugin chart schedules only on nodes labelled so (or labelled by node-feature-discovery,
 * which the workbench does not run); the AL2023 NVIDIA AMI does not add the label itself.
 */
export const GPU_PRESENT_LABELS: Readonly<Record<string, string>> = { "nvidia.com/gpu.present": "true" };

/**
 * The label cluster-autoscaler reads to know a node has GPUs before the device plugin advertises them
 * (so it does not scale up again while the plugin starts); values as the autoscaler's AWS docs write them.
 */
export const ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator";
const ACCELERATOR_NAMES: Readonly<Record<GpuClass, string>> = {
    t4: "nvidia-tesla-t4",
    l4: "nvidia-l4",
    a10: "nvidia-a10g",
    a100: "nvidia-tesla-a100",
    h100: "nvidia-h100",
};

export { GPU_RESOURCE } from "../pool-spec";

/** EKS managed node group capacity types. */
export type CapacityType = "ON_DEMAND" | "SPOT";

/** Everything about one managed node group. */
export interface PoolSpec extends PoolSpecBase {
    /** Instance types, preferred first; several of the same shape widen spot capacity. */
    instanceTypes: readonly string[];
    /** EKS AMI type: AL2023, with NVIDIA drivers for GPU pools. */
    amiType: string;
    /** On-demand or spot capacity. */
    capacityType: CapacityType;
    /** Root volume, GiB. */
    diskGiB: number;
    /** Nodes at creation; the cluster-autoscaler owns the count afterwards. */
    desiredNodes: number;
    /** Labels the node group puts on its nodes. */
    nodeGroupLabels: Record<string, string>;
    /**
     * The VPC CNI assigns /28 prefixes to the nodes' ENIs (`workbench:aws.prefixDelegation`): the node group's
     * max-pods is then the managed node group cap, and its nodes must be launched after the CNI is configured so.
     */
    prefixDelegation: boolean;
}

/** Graviton instance families carry a `g` in the suffix after the generation: m7g, c7gn, t4g, g5g, r8gd. */
export function isArmInstanceType(instanceType: string): boolean {
    const family = instanceType.split(".")[0];
    const suffix = /^[a-z]+\d+([a-z-]*)$/.exec(family)?.[1] ?? "";
    return suffix.includes("g");
}

/**
 * The AL2023 AMI type for a list of instance types: one node group runs one AMI, so x86 and Arm types
 * cannot share a pool. Returns the problem instead when they are mixed.
 */
export function amiTypeFor(instanceTypes: readonly string[], gpu: boolean): { amiType: string } | { problem: string } {
    const arm = instanceTypes.filter(isArmInstanceType);
    if (arm.length > 0 && arm.length < instanceTypes.length) {
        return { problem: `one node group runs one AMI: do not mix Arm (${arm.join(", ")}) and x86 instance types` };
    }
    const architecture = arm.length > 0 ? "ARM_64" : "x86_64";
    return { amiType: `AL2023_${architecture}_${gpu ? "NVIDIA" : "STANDARD"}` };
}

const capacity = (spot: boolean): CapacityType => (spot ? "SPOT" : "ON_DEMAND");

/** What no node group could run in the pools' instance type overrides, or what would misdescribe the pool. */
export function instanceTypeProblems(config: WorkbenchConfig): ConfigProblem[] {
    const overrides: [string, readonly string[] | undefined][] = [
        ["workbench:aws.systemInstanceTypes", config.aws.systemInstanceTypes],
        ["workbench:aws.userInstanceTypes", config.aws.userInstanceTypes],
    ];
    const mixed = overrides.flatMap(([key, types]) => {
        const result = types ? amiTypeFor(types, false) : undefined;
        return result && "problem" in result ? [{ key, given: types, allowed: result.problem }] : [];
    });
    return [
        ...mixed,
        ...overrideShapeProblems([
            { key: "workbench:aws.systemInstanceTypes", size: config.systemPool.size, instanceTypes: config.aws.systemInstanceTypes },
            { key: "workbench:aws.userInstanceTypes", size: config.userPool.size, instanceTypes: config.aws.userInstanceTypes },
        ]),
    ];
}

/** The AMI type of a list the platform has validated (see {@link instanceTypeProblems}). */
function validAmiType(instanceTypes: readonly string[], gpu: boolean): string {
    const result = amiTypeFor(instanceTypes, gpu);
    if ("problem" in result) throw new Error(`${instanceTypes.join(", ")}: ${result.problem}`);
    return result.amiType;
}

function withCapacity(labels: Record<string, string>, capacityType: CapacityType): Record<string, string> {
    return { ...labels, [CAPACITY_TYPE_LABEL]: capacityType };
}

/**
 * A pool's instance types, kept to those its zone sells when the zone is known (the zone choice
 * guarantees at least one per pool); the types share one shape, so any of them serves.
 */
function sold(instanceTypes: readonly string[], offered?: ReadonlySet<string>): readonly string[] {
    return offered ? instanceTypes.filter((type) => offered.has(type)) : instanceTypes;
}

function gpuPoolSpec(pool: GpuPoolConfig, prefixDelegation: boolean, offered?: ReadonlySet<string>): PoolSpec {
    const machine = gpuMachine(pool.gpu, "aws");
    // `gpu-` keeps a GPU pool named `user` or `system` from sharing a label value with those pools
    const selectorLabels = { ...USER_NODE_LABELS, [POOL_LABEL]: `gpu-${pool.name}` };
    const nodeGroupLabels = { ...selectorLabels, ...GPU_PRESENT_LABELS, [ACCELERATOR_LABEL]: ACCELERATOR_NAMES[pool.gpu] };
    const capacityType = capacity(pool.spot);
    return {
        name: pool.name,
        role: "gpu",
        instanceTypes: sold(machine.instanceTypes, offered),
        // the catalog's AWS GPU machines share one architecture per entry; a mixed one is a catalog bug
        amiType: validAmiType(machine.instanceTypes, true),
        capacityType,
        diskGiB: NODE_DISK_GIB.gpu,
        minNodes: pool.minNodes,
        maxNodes: pool.maxNodes,
        desiredNodes: pool.minNodes,
        nodeGroupLabels,
        prefixDelegation,
        labels: withCapacity(nodeGroupLabels, capacityType),
        selectorLabels,
        // Only the GPU taint: NVIDIA's device plugin tolerates it by default, and a second (user) taint
        // would keep the plugin, and so every GPU, off the node unless each chart learned to tolerate it.
        taints: [GPU_NODE_TAINT],
        gpu: pool.gpu,
        gpusPerNode: machine.gpuCount,
        vcpu: machine.vcpu,
        memoryGiB: machine.memoryGiB,
    };
}

/**
 * The on-demand serving pool (`workbench:servingPool`): the user pool's general-purpose families at its own size,
 * always `nodes` nodes up to `maxNodes`, tainted for served pods only. Not labelled for z2jh: no notebook goes there.
 */
function servingPoolSpec(config: WorkbenchConfig, offered?: ReadonlySet<string>): PoolSpec | undefined {
    const serving = config.servingPool;
    if (!serving) return undefined;
    const instanceTypes = sold(cpuInstanceTypes("aws", "user", serving.size), offered);
    const selectorLabels = { [POOL_LABEL]: SERVING_POOL_NAME };
    return {
        name: SERVING_POOL_NAME,
        role: "serving",
        instanceTypes,
        amiType: validAmiType(instanceTypes, false),
        capacityType: "ON_DEMAND",
        diskGiB: NODE_DISK_GIB.user,
        minNodes: serving.nodes,
        maxNodes: serving.maxNodes ?? serving.nodes,
        desiredNodes: serving.nodes,
        nodeGroupLabels: selectorLabels,
        prefixDelegation: config.aws.prefixDelegation,
        labels: withCapacity(selectorLabels, "ON_DEMAND"),
        selectorLabels,
        taints: [SERVING_NODE_TAINT],
        gpusPerNode: 0,
        ...CPU_SHAPES[serving.size],
    };
}

/**
 * The pools of an AWS stack: the always-on system pool (untainted, so cluster add-ons land there),
 * the CPU user pool and one pool per configured GPU pool (both tainted, labelled for z2jh, from zero), and the
 * on-demand serving pool when configured. Expects a configuration without {@link instanceTypeProblems}. With
 * `offered` (what the node zone sells), each pool keeps only the instance types sold there.
 */
export function poolSpecs(config: WorkbenchConfig, offered?: ReadonlySet<string>): { system: PoolSpec; user: PoolSpec; gpu: PoolSpec[]; gpuFallback: PoolSpec[]; serving?: PoolSpec } {
    const systemTypes = sold(cpuPoolInstanceTypes(config, "aws", "system"), offered);
    const userTypes = sold(cpuPoolInstanceTypes(config, "aws", "user"), offered);

    const systemCapacity = capacity(config.systemPool.spot);
    const systemSelector = { [POOL_LABEL]: "system" };
    const systemLabels = { ...CORE_NODE_LABELS, ...systemSelector };
    const system: PoolSpec = {
        name: "system",
        role: "system",
        instanceTypes: systemTypes,
        amiType: validAmiType(systemTypes, false),
        capacityType: systemCapacity,
        diskGiB: NODE_DISK_GIB.system,
        minNodes: config.systemPool.nodes,
        maxNodes: config.systemPool.nodes,
        desiredNodes: config.systemPool.nodes,
        nodeGroupLabels: systemLabels,
        prefixDelegation: config.aws.prefixDelegation,
        labels: withCapacity(systemLabels, systemCapacity),
        selectorLabels: systemSelector,
        taints: [],
        gpusPerNode: 0,
        ...CPU_SHAPES[config.systemPool.size],
    };

    const userCapacity = capacity(config.userPool.spot);
    const userSelector = { ...USER_NODE_LABELS, [POOL_LABEL]: "user" };
    const user: PoolSpec = {
        name: "user",
        role: "user",
        instanceTypes: userTypes,
        amiType: validAmiType(userTypes, false),
        capacityType: userCapacity,
        diskGiB: NODE_DISK_GIB.user,
        minNodes: config.userPool.minNodes,
        maxNodes: config.userPool.maxNodes,
        desiredNodes: config.userPool.minNodes,
        nodeGroupLabels: userSelector,
        prefixDelegation: config.aws.prefixDelegation,
        labels: withCapacity(userSelector, userCapacity),
        selectorLabels: userSelector,
        taints: [USER_NODE_TAINT],
        gpusPerNode: 0,
        ...CPU_SHAPES[config.userPool.size],
    };

    const gpu = config.gpuPools.map((pool) => gpuPoolSpec(pool, config.aws.prefixDelegation, offered));
    const serving = servingPoolSpec(config, offered);
    return {
        system,
        user,
        gpu,
        gpuFallback: config.aws.spotGpuFallback ? gpu.filter((spec) => spec.capacityType === "SPOT").map(onDemandTwin) : [],
        ...(serving ? { serving } : {}),
    };
}

/** The suffix of an on-demand twin's pool name (its node group, its Auto Scaling group's name). */
export const FALLBACK_SUFFIX = "-od";

/**
 * The on-demand twin of a spot GPU pool (`workbench:aws.spotGpuFallback`): the same instance types, selector
 * labels and taints, so a GPU notebook fits either; EKS's capacity-type label tells them apart. It is not a
 * pool of its own for the shared layer (no profile), only a second group the autoscaler may grow.
 */
export function onDemandTwin(spot: PoolSpec): PoolSpec {
    return { ...spot, name: `${spot.name}${FALLBACK_SUFFIX}`, capacityType: "ON_DEMAND", labels: withCapacity(spot.nodeGroupLabels, "ON_DEMAND") };
}

/**
 * The autoscaler's priority expander configuration (`expanderPriorities` of the chart): each spot GPU pool that
 * has an on-demand twin above everything else, so the twin grows only once the spot group failed and was backed
 * off. Patterns match Auto Scaling group names, which EKS makes `eks-<node group name>-<uuid>`; a node group's
 * name is its pool's name, a dash and a unique suffix (nodeGroupNamePrefix). Empty without twins.
 */
export function spotFirstPriorities(twins: readonly PoolSpec[]): Record<string, string[]> {
    if (twins.length === 0) return {};
    const spotNames = twins.map((twin) => twin.name.slice(0, -FALLBACK_SUFFIX.length));
    // the unique suffix Terraform appends to a name prefix is 26 lower-case hex characters (PrefixedUniqueId)
    return { "20": spotNames.map((name) => `^eks-${name}-[0-9a-f]{26}-.*`), "10": [".*"] };
}

/** The instance types each pool asks a zone for, with the config key naming the pool. */
export function poolDemands(config: WorkbenchConfig): PoolDemand[] {
    return [
        { key: config.aws.systemInstanceTypes ? "workbench:aws.systemInstanceTypes" : "workbench:systemPool.size", instanceTypes: cpuPoolInstanceTypes(config, "aws", "system") },
        { key: config.aws.userInstanceTypes ? "workbench:aws.userInstanceTypes" : "workbench:userPool.size", instanceTypes: cpuPoolInstanceTypes(config, "aws", "user") },
        ...config.gpuPools.map((pool, i) => ({ key: `workbench:gpuPools[${i}].gpu`, instanceTypes: gpuMachine(pool.gpu, "aws").instanceTypes })),
        ...(config.servingPool ? [{ key: "workbench:servingPool.size", instanceTypes: cpuInstanceTypes("aws", "user", config.servingPool.size) }] : []),
    ];
}

/** What the shared layer is told about a pool. */
export function nodePoolOf(spec: PoolSpec): NodePool {
    return nodePoolFrom(spec, {
        spot: spec.capacityType === "SPOT",
        maxPods: maxPodsOf(spec.instanceTypes, spec.prefixDelegation),
        // the kubelet reserves memory for nodeadm's own pod figure, not for the node group's max-pods (max-pods.ts)
        allocatable: eksAllocatable(spec.vcpu, spec.memoryGiB, kubeReservedPodsOf(spec.instanceTypes)),
        // one AMI per node group, so one architecture: the AMI type names it (AL2023_ARM_64_… or AL2023_x86_64_…)
        architecture: spec.amiType.includes("ARM_64") ? "arm64" : "amd64",
    });
}

/** What the shared layer is told about a GPU pool. */
export function gpuPoolOf(spec: PoolSpec): GpuPool {
    return gpuPoolFrom(spec, nodePoolOf(spec), (gpu) => describeGpuMachine(gpu, { vcpu: spec.vcpu, memoryGiB: spec.memoryGiB, gpuCount: spec.gpusPerNode }));
}
