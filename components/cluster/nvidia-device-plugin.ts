import { GpuPool, Toleration } from "../../providers/contract";

/** Where NVIDIA's device plugin runs; its chart refuses the default namespace. */
export const DEVICE_PLUGIN_NAMESPACE = "kube-system";

function sameToleration(a: Toleration, b: Toleration): boolean {
    return a.key === b.key && a.operator === b.operator && a.value === b.value && a.effect === b.effect;
}

/** Whether the plugin can be pinned to a pool: a pool without a node selector cannot be told apart from others. */
export function isTargetable(pool: GpuPool): boolean {
    return Object.keys(pool.placement.nodeSelector).length > 0;
}

/**
 * Values of the nvidia-device-plugin chart: the DaemonSet runs on the GPU pools' nodes only (one
 * node-affinity term per pool, matching its node selector; terms are alternatives) and tolerates
 * every taint those nodes carry. The chart's default affinity needs Node Feature Discovery labels
 * that managed node pools do not have.
 */
export function devicePluginValues(pools: readonly GpuPool[]): Record<string, unknown> {
    const targets = pools.filter(isTargetable);
    const tolerations = targets
        .flatMap((pool) => pool.placement.tolerations)
        .filter((toleration, i, all) => all.findIndex((other) => sameToleration(other, toleration)) === i);
    return {
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: targets.map((pool) => ({
                        matchExpressions: Object.entries(pool.placement.nodeSelector).map(([key, value]) => ({ key, operator: "In", values: [value] })),
                    })),
                },
            },
        },
        tolerations,
    };
}
