import type { GpuPoolConfig } from "../../stacks/schema";
import { gpuClassesOn, gpuMachine } from "../catalog";

/**
 * What a GPU pool's owner should know that no lookup tells: machines the catalog records as sold for spot
 * capacity only, which an on-demand pool may never get. (The quotas a new project lacks are read during the
 * check: gpu-quota.ts.)
 */
export function gpuPoolWarnings(pools: readonly GpuPoolConfig[]): string[] {
    const offered = gpuClassesOn("gcp");
    return pools
        .filter((pool) => offered.includes(pool.gpu) && !pool.spot)
        .flatMap((pool) => {
            const machine = gpuMachine(pool.gpu, "gcp");
            return machine.note ? [`GPU pool ${pool.name}: ${machine.note}; an on-demand pool (spot: false) may never get a node.`] : [];
        });
}
