import * as gcpCloudquota from "@pulumi/gcp/cloudquota";
import type { GpuPoolConfig } from "../../stacks/schema";
import { GpuClass, gpuClassesOn, gpuMachine } from "../catalog";

/*
 * The GPU quota a project has before its first GPU node, read during the check through the Cloud Quotas API
 * (`gcpCloudquota.getSQuotaInfo`, @pulumi/gcp 9.37). New projects have none: GPUS-ALL-REGIONS is 0 and each
 * model has a regional quota, on-demand and preemptible (spot) separately (fastai/course-v3#165; vanvalenlab/kiosk-console#359; GKE "About
 * GPUs": both must cover the nodes). Without it a GPU notebook waits and its events say the quota is exceeded.
 */

/** The Cloud Quotas id of each GPU class's regional quota (on-demand; spot pools use `PREEMPTIBLE-` + it). */
export const GPU_QUOTA_IDS: Readonly<Partial<Record<GpuClass, string>>> = {
    t4: "NVIDIA-T4-GPUS-per-project-region",
    l4: "NVIDIA-L4-GPUS-per-project-region",
    a100: "NVIDIA-A100-GPUS-per-project-region",
    h100: "NVIDIA-H100-GPUS-per-project-region",
};

/** The project-wide GPU quota every GPU node counts against too. */
export const ALL_REGIONS_QUOTA_ID = "GPUS-ALL-REGIONS-per-project";

/** The service whose quotas these are. */
const COMPUTE = "compute.googleapis.com";

/** The quota's name as Compute Engine's errors and `gcloud compute regions describe` spell it (`NVIDIA_T4_GPUS`). */
export function quotaMetricName(quotaId: string): string {
    return quotaId.replace(/-per-project(-region)?$/, "").replace(/-/g, "_");
}

/** The quota id a pool's nodes count against in their region. */
export function poolQuotaId(pool: Pick<GpuPoolConfig, "gpu" | "spot">): string | undefined {
    const id = GPU_QUOTA_IDS[pool.gpu];
    return id && (pool.spot ? `PREEMPTIBLE-${id}` : id);
}

/**
 * The value in effect for `location` in a QuotaInfo: the row for that region (regional quotas come back one
 * dimensioned row per region), else a row that applies there, else the row without dimensions (the default).
 * `-1` is unlimited; undefined when no row says.
 */
export function quotaValueAt(info: Pick<gcpCloudquota.GetSQuotaInfoResult, "dimensionsInfos">, location: string): number | undefined {
    const rows = info.dimensionsInfos ?? [];
    const row =
        rows.find((r) => r.dimensions?.["region"] === location) ??
        rows.find((r) => (r.applicableLocations ?? []).includes(location)) ??
        rows.find((r) => Object.keys(r.dimensions ?? {}).length === 0);
    const value = row?.details?.[0]?.value;
    return value === undefined || value === "" || Number.isNaN(Number(value)) ? undefined : Number(value);
}

/** What the configured pools need of one quota: GPUs at their maximum, and what one node needs. */
interface QuotaNeed {
    quotaId: string;
    location: string;
    /** GPUs all pools counting against it need at their maximum. */
    total: number;
    /** GPUs one node needs (the largest per-node count among those pools). */
    perNode: number;
    pools: string[];
}

function needs(pools: readonly GpuPoolConfig[], region: string): QuotaNeed[] {
    const byId = new Map<string, QuotaNeed>();
    const add = (quotaId: string, location: string, pool: GpuPoolConfig, gpus: number) => {
        const need = byId.get(quotaId) ?? { quotaId, location, total: 0, perNode: 0, pools: [] };
        need.total += pool.maxNodes * gpus;
        need.perNode = Math.max(need.perNode, gpus);
        need.pools.push(pool.name);
        byId.set(quotaId, need);
    };
    const offered = gpuClassesOn("gcp");
    for (const pool of pools) {
        if (!offered.includes(pool.gpu)) continue;
        const quotaId = poolQuotaId(pool);
        if (!quotaId) continue;
        const gpus = gpuMachine(pool.gpu, "gcp").gpuCount;
        add(quotaId, region, pool, gpus);
        add(ALL_REGIONS_QUOTA_ID, "global", pool, gpus);
    }
    return [...byId.values()];
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

/**
 * Warnings for each GPU quota the pools count against that cannot run one node (or cannot reach the pools'
 * maximum), naming the quota, its value, what one node needs and where to ask for more; a lookup that failed
 * says the quota could not be checked. Nothing when every quota suffices.
 */
export async function gpuQuotaFindings(project: string, region: string, pools: readonly GpuPoolConfig[]): Promise<string[]> {
    const ask =
        `ask for more at https://console.cloud.google.com/iam-admin/quotas?project=${project} ` +
        `(or gcloud beta quotas preferences create --service=${COMPUTE} --project=${project} --quota-id=<id> --preferred-value=<n>` +
        `${region ? ` [--dimensions=region=${region}]` : ""}); new projects must first upgrade from the free trial`;
    const results = await Promise.all(
        needs(pools, region).map(async (need): Promise<string[]> => {
            const name = quotaMetricName(need.quotaId);
            const where = need.location === "global" ? "all regions" : need.location;
            let value: number | undefined;
            try {
                value = quotaValueAt(await gcpCloudquota.getSQuotaInfo({ parent: `projects/${project}`, service: COMPUTE, quotaId: need.quotaId }), need.location);
            } catch (error) {
                return [
                    `Could not check the GPU quota ${name} (${need.quotaId}) in ${where} for GPU pool ${need.pools.join(", ")}: ${firstLine(error)}. ` +
                        `Check it yourself with gcloud compute ${need.location === "global" ? "project-info describe" : `regions describe ${need.location}`} --project ${project}; ` +
                        `one node needs ${need.perNode}. (Reading quotas needs the Cloud Quotas API: gcloud services enable cloudquotas.googleapis.com.)`,
                ];
            }
            if (value === undefined || value < 0 || value >= need.total) return [];
            const pools = `GPU pool${need.pools.length > 1 ? "s" : ""} ${need.pools.join(", ")}`;
            return [
                value < need.perNode
                    ? `GPU quota ${name} in ${where} is ${value}: one node of ${pools} needs ${need.perNode}, so no GPU node can start (its notebooks wait, their events say the quota is exceeded); ` +
                      `at the pools' maximum they need ${need.total}. Quota id ${need.quotaId}: ${ask}.`
                    : `GPU quota ${name} in ${where} is ${value}: ${pools} at their maximum need ${need.total} (one node needs ${need.perNode}), so fewer nodes start than configured. ` +
                      `Quota id ${need.quotaId}: ${ask}.`,
            ];
        }),
    );
    return results.flat();
}
