import type { ConfigProblem } from "../../stacks/errors";
import type { GpuPoolConfig, WorkbenchConfig } from "../../stacks/schema";
import { CPU_SHAPES, cpuInstanceTypes, cpuPoolInstanceTypes, describeGpuMachine, GPU_CATALOG, GpuClass, gpuMachine, nodeDiskGiB } from "../catalog";
import { GpuPool, NodePool, Taint } from "../contract";
import { GPU_NODE_TAINT, SERVING_NODE_TAINT, SERVING_POOL_NAME, USER_NODE_LABELS, USER_NODE_TAINT } from "../placement";
import { aksAllocatable } from "../allocatable";
import { gpuPoolFrom, nodePoolFrom, PoolSpecBase } from "../pool-spec";
import { AGENT_POOL_NAME } from "./context";
import { OsDiskType, osDiskTypeFor } from "./os-disk";

/*
 * The agent pools of an AKS workbench, as data: what each pool is (VM size, priority, OS disk, scaling,
 * labels, taints) and what the shared layer is told about it. The AgentPool resources and the contract
 * both read one PoolSpec, so they cannot disagree.
 */

/** Names each node's pool, so that a pod's node selector matches exactly one pool. */
export const POOL_LABEL = "workbench/pool";

/** The z2jh convention for the nodes of the hub, the proxy and other core pods. */
export const CORE_NODE_LABELS: Readonly<Record<string, string>> = { "hub.jupyter.org/node-purpose": "core" };

/** NVIDIA's device plugin chart schedules on nodes labelled so; AKS does not add the label (only `kubernetes.azure.com/accelerator`). */
export const GPU_PRESENT_LABELS: Readonly<Record<string, string>> = { "nvidia.com/gpu.present": "true" };

/** The label and taint AKS puts on every node of a spot pool (AKS spot-node-pool); pods must tolerate the taint. */
export const SPOT_LABELS: Readonly<Record<string, string>> = { "kubernetes.azure.com/scalesetpriority": "spot" };
/** See {@link SPOT_LABELS}. */
export const SPOT_TAINT: Taint = { key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" };

export { GPU_RESOURCE } from "../pool-spec";

/**
 * Pods per node. The system pool holds AKS's agents and the workbench's always-on pods (about 35
 * together) with room to spare; AKS requires at least 30 there. The other pools keep the kubelet's usual
 * 110 rather than the Azure CNI Overlay default of 250: AKS reserves 20 MB of memory per possible pod
 * (up to 25% of the node), so a lower figure leaves more memory to notebooks (AKS node-resource-reservations).
 */
export const MAX_PODS = { system: 60, user: 110, gpu: 110, serving: 110 } as const;

export { osDiskTypeFor } from "./os-disk";
export type { OsDiskType } from "./os-disk";

/** Everything about one agent pool. */
export interface PoolSpec extends PoolSpecBase {
    /** The agent pool's name in AKS (lowercase letters and digits, at most 12). */
    agentPoolName: string;
    /** One VM size: an AKS pool holds one machine shape. */
    vmSize: string;
    /** Spot capacity (never for the system pool: AKS refuses a spot system pool). */
    spot: boolean;
    /** Ephemeral where the VM's temporary disk holds the OS disk, else managed. */
    osDiskType: OsDiskType;
    /** OS disk, GiB. */
    osDiskSizeGB: number;
    /** Pods per node (the kubelet's max-pods). */
    maxPods: number;
    /** Labels the pool declares (`nodeLabels`), AKS's spot label included on spot pools. */
    nodeLabels: Record<string, string>;
}

/** A taint as AKS's `nodeTaints` writes it: `key=value:Effect`. */
export function taintString(taint: Taint): string {
    return `${taint.key}${taint.value === undefined ? "" : `=${taint.value}`}:${taint.effect}`;
}

/** What AKS refuses in the pool settings: a spot system pool, GPU pool names AKS cannot take. */
export function poolProblems(parsed: Partial<WorkbenchConfig>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (parsed.systemPool?.spot) {
        problems.push({ key: "workbench:systemPool.spot", given: true, allowed: "false on Azure: AKS does not allow a spot system pool (pulumi config set --path workbench:systemPool.spot false)" });
    }
    if (parsed.systemPool?.size === "xsmall") {
        // xsmall is a B-series VM on Azure, and AKS's system pools need 2 vCPU / 4 GiB of a supported size
        problems.push({ key: "workbench:systemPool.size", given: "xsmall", allowed: "small or larger on Azure: AKS documents B-series as unsupported for system pools (pulumi config set --path workbench:systemPool.size small)" });
    }
    parsed.gpuPools?.forEach((pool, i) => {
        const key = `workbench:gpuPools[${i}].name`;
        if (!AGENT_POOL_NAME.test(pool.name)) {
            const suggestion = pool.name.replace(/[^a-z0-9]/g, "").slice(0, 12);
            problems.push({ key, given: pool.name, allowed: `an AKS pool name: lowercase letters and digits only (no '-'), starting with a letter, at most 12, e.g. ${suggestion || "gpu1"}` });
        } else if (pool.name === "system" || pool.name === "user" || pool.name === SERVING_POOL_NAME) {
            problems.push({ key, given: pool.name, allowed: `a name other than system, user and ${SERVING_POOL_NAME}, which the workbench's CPU pools use in AKS, e.g. gpu${pool.name}` });
        }
    });
    return problems;
}

/** AKS's own labels on every node of a pool. */
function aksLabels(agentPoolName: string, mode: "system" | "user"): Record<string, string> {
    return { "kubernetes.azure.com/agentpool": agentPoolName, "kubernetes.azure.com/mode": mode };
}

function withSpot(spot: boolean, labels: Record<string, string>, taints: Taint[]) {
    return spot ? { nodeLabels: { ...labels, ...SPOT_LABELS }, taints: [...taints, SPOT_TAINT] } : { nodeLabels: { ...labels }, taints };
}

function gpuPoolSpec(pool: GpuPoolConfig): PoolSpec {
    const machine = gpuMachine(pool.gpu, "azure");
    const vmSize = machine.instanceTypes[0];
    // `gpu-` keeps the label value of a GPU pool apart from the CPU pools'
    const selectorLabels = { ...USER_NODE_LABELS, [POOL_LABEL]: `gpu-${pool.name}` };
    // Only the GPU taint (and AKS's spot taint): NVIDIA's device plugin tolerates the first by default and is
    // given the second through the pool's placement.
    const { nodeLabels, taints } = withSpot(pool.spot, { ...selectorLabels, ...GPU_PRESENT_LABELS }, [GPU_NODE_TAINT]);
    return {
        name: pool.name,
        agentPoolName: pool.name,
        role: "gpu",
        vmSize,
        spot: pool.spot,
        osDiskType: osDiskTypeFor(vmSize, nodeDiskGiB("azure", "gpu")),
        osDiskSizeGB: nodeDiskGiB("azure", "gpu"),
        minNodes: pool.minNodes,
        maxNodes: pool.maxNodes,
        maxPods: MAX_PODS.gpu,
        nodeLabels,
        // AKS labels NVIDIA GPU nodes with their accelerator (AKS use-labels)
        labels: { ...nodeLabels, ...aksLabels(pool.name, "user"), "kubernetes.azure.com/accelerator": "nvidia" },
        selectorLabels,
        taints,
        gpu: pool.gpu,
        gpusPerNode: machine.gpuCount,
        vcpu: machine.vcpu,
        memoryGiB: machine.memoryGiB,
    };
}

/**
 * The on-demand serving pool (`workbench:servingPool`): Regular-priority VMs (not Spot, so no AKS spot taint) of the
 * user pool's family at its own size, autoscaled from `nodes` (always on) to `maxNodes`, tainted for served pods only.
 */
function servingPoolSpec(config: WorkbenchConfig): PoolSpec | undefined {
    const serving = config.servingPool;
    if (!serving) return undefined;
    const vmSize = cpuInstanceTypes("azure", "user", serving.size)[0];
    const selectorLabels = { [POOL_LABEL]: SERVING_POOL_NAME };
    return {
        name: SERVING_POOL_NAME,
        agentPoolName: SERVING_POOL_NAME,
        role: "serving",
        vmSize,
        spot: false,
        osDiskType: osDiskTypeFor(vmSize, nodeDiskGiB("azure", "user")),
        osDiskSizeGB: nodeDiskGiB("azure", "user"),
        minNodes: serving.nodes,
        maxNodes: serving.maxNodes ?? serving.nodes,
        maxPods: MAX_PODS.serving,
        nodeLabels: selectorLabels,
        labels: { ...selectorLabels, ...aksLabels(SERVING_POOL_NAME, "user") },
        selectorLabels,
        taints: [SERVING_NODE_TAINT],
        gpusPerNode: 0,
        ...CPU_SHAPES[serving.size],
    };
}

/**
 * The pools of an Azure stack: the always-on system pool (untainted, so AKS's add-ons and the hub land
 * there), the CPU user pool and one pool per configured GPU pool (tainted, labelled for z2jh, from zero), and
 * the on-demand serving pool when configured. Expects a configuration without {@link poolProblems}.
 */
export function poolSpecs(config: WorkbenchConfig): { system: PoolSpec; user: PoolSpec; gpu: PoolSpec[]; serving?: PoolSpec } {
    const systemSize = cpuPoolInstanceTypes(config, "azure", "system")[0];
    const systemSelector = { [POOL_LABEL]: "system" };
    const systemLabels = { ...CORE_NODE_LABELS, ...systemSelector };
    const system: PoolSpec = {
        name: "system",
        agentPoolName: "system",
        role: "system",
        vmSize: systemSize,
        spot: false,
        osDiskType: osDiskTypeFor(systemSize, nodeDiskGiB("azure", "system")),
        osDiskSizeGB: nodeDiskGiB("azure", "system"),
        minNodes: config.systemPool.nodes,
        maxNodes: config.systemPool.nodes,
        maxPods: MAX_PODS.system,
        nodeLabels: systemLabels,
        labels: { ...systemLabels, ...aksLabels("system", "system") },
        selectorLabels: systemSelector,
        taints: [],
        gpusPerNode: 0,
        ...CPU_SHAPES[config.systemPool.size],
    };

    const userSize = cpuPoolInstanceTypes(config, "azure", "user")[0];
    const userSelector = { ...USER_NODE_LABELS, [POOL_LABEL]: "user" };
    const userSpot = withSpot(config.userPool.spot, userSelector, [USER_NODE_TAINT]);
    const user: PoolSpec = {
        name: "user",
        agentPoolName: "user",
        role: "user",
        vmSize: userSize,
        spot: config.userPool.spot,
        osDiskType: osDiskTypeFor(userSize, nodeDiskGiB("azure", "user")),
        osDiskSizeGB: nodeDiskGiB("azure", "user"),
        minNodes: config.userPool.minNodes,
        maxNodes: config.userPool.maxNodes,
        maxPods: MAX_PODS.user,
        nodeLabels: userSpot.nodeLabels,
        labels: { ...userSpot.nodeLabels, ...aksLabels("user", "user") },
        selectorLabels: userSelector,
        taints: userSpot.taints,
        gpusPerNode: 0,
        ...CPU_SHAPES[config.userPool.size],
    };

    const serving = servingPoolSpec(config);
    return { system, user, gpu: config.gpuPools.map(gpuPoolSpec), ...(serving ? { serving } : {}) };
}

/** What the shared layer is told about a pool. */
export function nodePoolOf(spec: PoolSpec): NodePool {
    // the catalog's Azure sizes (Dasv5, NC…) are all x86-64
    return nodePoolFrom(spec, { spot: spec.spot, maxPods: spec.maxPods, allocatable: aksAllocatable(spec.vcpu, spec.memoryGiB, spec.maxPods), architecture: "amd64" });
}

/**
 * GPU memory of Azure's machines where it differs from the class's usual figure in the catalog: the
 * NC A100 v4 sizes carry the 80 GB A100, the NC H100 v5 sizes the 94 GB H100 NVL (Azure VM size pages).
 */
export const AZURE_GPU_MEMORY_GB: Readonly<Partial<Record<GpuClass, number>>> = { a100: 80, h100: 94 };

/** The profile list's line for a GPU pool, with the GPU memory of Azure's machine. */
export function describeAzureGpu(spec: Pick<PoolSpec, "vcpu" | "memoryGiB" | "gpusPerNode"> & { gpu: GpuClass }): string {
    const line = describeGpuMachine(spec.gpu, { vcpu: spec.vcpu, memoryGiB: spec.memoryGiB, gpuCount: spec.gpusPerNode });
    const memory = AZURE_GPU_MEMORY_GB[spec.gpu];
    const model = GPU_CATALOG[spec.gpu];
    return memory === undefined ? line : line.replace(`${model.model} ${model.gpuMemoryGiB} GB`, `${model.model} ${memory} GB`);
}

/** What the shared layer is told about a GPU pool. */
export function gpuPoolOf(spec: PoolSpec): GpuPool {
    return gpuPoolFrom(spec, nodePoolOf(spec), (gpu) => describeAzureGpu({ ...spec, gpu }));
}
