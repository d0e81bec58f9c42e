import { systemPoolMonthly } from "../cost/estimate";
import type { WorkbenchConfig } from "../stacks/schema";
import { CPU_SIZES, CpuSize } from "./catalog";
import { NodePool, ResourceRequests, SystemPoolAtSize, SystemPoolSizing } from "./contract";

/*
 * How a platform describes its system pool to the always-on fit check, from the configuration alone (the
 * check runs before any resource exists): the pool at each size class, from the same pool descriptions the
 * platform builds its node pools from, plus the cloud's own agents on it.
 */

/** What a platform knows of its system pool at a size class. */
export interface SystemPoolSource {
    /** The pool the platform would build at this size (its contract data: shape and pod slots). */
    poolAt(size: CpuSize): Pick<NodePool, "vcpu" | "memoryGiB" | "maxPods" | "allocatable"> & Partial<Pick<NodePool, "taints">>;
    /** The cloud's own pods on the pool. */
    agents: ResourceRequests;
    /** The shared layer installs a cluster-autoscaler there. */
    installsAutoscaler: boolean;
    /** The key that sizes the pool, when not `workbench:systemPool.size` (e.g. an instance type override). */
    key?: { key: string; given: unknown; advice: (fitting: CpuSize | undefined) => string };
}

/** The system pool's sizing for the fit check: the configured size, every size, and what to advise. */
export function systemPoolSizing(config: WorkbenchConfig, source: SystemPoolSource, configuredSize: CpuSize = config.systemPool.size): SystemPoolSizing {
    const at = (size: CpuSize): SystemPoolAtSize => {
        const pool = source.poolAt(size);
        return {
            size,
            vcpu: pool.vcpu,
            memoryGiB: pool.memoryGiB,
            maxPods: pool.maxPods,
            nodes: config.systemPool.nodes,
            ...(pool.allocatable ? { allocatable: pool.allocatable } : {}),
            ...(pool.taints && pool.taints.length > 0 ? { taints: pool.taints } : {}),
            agents: source.agents,
            installsAutoscaler: source.installsAutoscaler,
        };
    };
    const key = source.key ?? {
        key: "workbench:systemPool.size",
        given: config.systemPool.size,
        advice: (fitting: CpuSize | undefined) =>
            fitting
                ? `choose systemPool.size ${fitting} (pulumi config set --path workbench:systemPool.size ${fitting}${costAt(config, fitting)}), or switch services off`
                : "no size fits one node: add systemPool.nodes, switch services off or lower their cpuMillis/memoryMiB settings",
    };
    return { key: key.key, given: key.given, current: at(configuredSize), sizes: CPU_SIZES.map(at), advice: key.advice };
}

/** "; the system pool then costs USD 225.63 a month (t3a.2xlarge) instead of USD 33.50": what the advice costs. */
function costAt(config: WorkbenchConfig, size: CpuSize): string {
    if (config.cloud === "existing") return "";
    const now = systemPoolMonthly(config, config.cloud);
    const then = systemPoolMonthly(config, config.cloud, size);
    return `; the system pool then costs USD ${then.monthly.toFixed(2)} a month (${then.instanceType}) instead of USD ${now.monthly.toFixed(2)} (${now.instanceType})`;
}
