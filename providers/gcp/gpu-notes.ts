import type { GpuPoolConfig } from "../../stacks/schema";
import { GpuClass, gpuClassesOn, gpuMachine } from "../catalog";

/** Compute Engine's regional quota metric per GPU class (on-demand; spot pools use `PREEMPTIBLE_` + it). */
export const GPU_QUOTA_METRICS: Readonly<Partial<Record<GpuClass, string>>> = {
    t4: "NVIDIA_T4_GPUS",
    l4: "NVIDIA_L4_GPUS",
    a100: "NVIDIA_A100_GPUS",
    h100: "NVIDIA_H100_GPUS",
};

/**
 * What a GPU pool's owner should know before the first GPU notebook: the quotas a new project lacks
 * (`GPUS_ALL_REGIONS` is 0, and each model has a regional quota; notes/gke-facts.md §2), and machines the
 * catalog records as sold for spot capacity only, which an on-demand pool may never get.
 */
export function gpuPoolWarnings(pools: readonly GpuPoolConfig[], region: string): string[] {
    const offered = gpuClassesOn("gcp");
    const onGcp = pools.filter((pool) => offered.includes(pool.gpu));
    if (onGcp.length === 0) return [];
    const quotas = [
        ...new Set(onGcp.flatMap((pool) => {
            const metric = GPU_QUOTA_METRICS[pool.gpu];
            return metric ? [`${pool.spot ? "PREEMPTIBLE_" : ""}${metric} ≥ ${pool.maxNodes * gpuMachine(pool.gpu, "gcp").gpuCount}`] : [];
        })),
    ];
    const warnings = [
        `GPU pools need Compute Engine quota, which new projects do not have: GPUS_ALL_REGIONS and, in ${region}, ${quotas.join(", ")} ` +
            "(IAM & Admin → Quotas; gcloud compute regions describe " + region + "). Without it GPU notebooks wait and their events say the quota is exceeded.",
    ];
    for (const pool of onGcp) {
        const machine = gpuMachine(pool.gpu, "gcp");
        if (machine.note && !pool.spot) warnings.push(`GPU pool ${pool.name}: ${machine.note}; an on-demand pool (spot: false) may never get a node.`);
    }
    return warnings;
}
