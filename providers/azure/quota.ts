import type { GpuClass } from "../catalog";
import { gpuMachine } from "../catalog";
import type { WorkbenchConfig } from "../../stacks/schema";
import { armList } from "./arm";
import { armGet } from "./arm-get";

/*
 * GPU quota before the first GPU server: a new subscription's GPU families have a vCPU limit of 0, which shows up
 * only as a GPU notebook that never starts (the autoscaler's scale-up fails with QuotaExceeded). The check reads the
 * location's Compute usages (the list `az vm list-usage` prints) and warns for each GPU pool that cannot get one node.
 */

/** One entry of the Compute usages list (Microsoft.Compute usages API, as Azure returns it). */
export interface ComputeUsage {
    name: { value: string; localizedValue: string };
    currentValue: number;
    limit: number;
    unit: string;
}

/** The Compute API version the usages are read with. */
export const USAGES_API_VERSION = "2024-07-01";

/**
 * The vCPU quota each GPU class's Azure VM size draws on when on-demand (`name.value` of the usages list; Azure's
 * casing varies between APIs, so names are compared case-insensitively). Spot VMs draw on one regional pool instead,
 * "Total Regional Low-priority vCPUs" (`lowPriorityCores`: Azure spot-vms FAQ).
 */
export const GPU_QUOTA_FAMILIES: Readonly<Partial<Record<GpuClass, string>>> = {
    t4: "standardNCASv3_T4Family",
    a10: "standardNVADSA10v5Family",
    a100: "standardNCADSA100v4Family",
    h100: "standardNCADSH100v5Family",
};

/** Spot VMs' regional quota. */
export const LOW_PRIORITY_QUOTA = "lowPriorityCores";
/** On-demand VMs' regional quota, on top of the family's. */
export const REGIONAL_QUOTA = "cores";

/** Reads a location's usages; the default asks Azure Resource Manager. */
export type UsageReader = (subscriptionId: string, location: string) => Promise<ComputeUsage[]>;

/** The usages of a location, from Azure Resource Manager. */
export const readComputeUsages: UsageReader = (subscriptionId, location) =>
    armList<ComputeUsage>(`/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${location}/usages?api-version=${USAGES_API_VERSION}`, armGet);

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

/** Where to ask for more of a quota. */
function askFor(usage: ComputeUsage, subscriptionId: string, location: string, needed: number): string {
    const type = usage.name.value === LOW_PRIORITY_QUOTA ? "lowPriority" : "dedicated";
    return (
        `ask for at least ${needed} in the Azure portal (Quotas → Compute, ${location}) or with ` +
        `az quota update --resource-name ${usage.name.value} --scope /subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${location} ` +
        `--limit-object value=${needed} --resource-type ${type}`
    );
}

/**
 * Warnings for GPU pools whose quota in `location` cannot hold one node: the quota's name and value, what one node
 * needs, and where to ask. A failed lookup says the quota could not be checked. Silent when every pool fits.
 */
export async function gpuQuotaWarnings(gpuPools: WorkbenchConfig["gpuPools"], location: string, subscriptionId: string, read: UsageReader = readComputeUsages): Promise<string[]> {
    if (gpuPools.length === 0) return [];
    let usages: ComputeUsage[];
    try {
        usages = await read(subscriptionId, location);
    } catch (error) {
        return [
            `Could not check the GPU quota in ${location} (${message(error)}): GPU servers need vCPU quota, which new subscriptions do not have. ` +
                `Check with az vm list-usage -l ${location} -o table.`,
        ];
    }
    const find = (name: string) => usages.find((u) => u.name.value.toLowerCase() === name.toLowerCase());
    const warnings: string[] = [];
    for (const pool of gpuPools) {
        const family = GPU_QUOTA_FAMILIES[pool.gpu];
        if (family === undefined) continue; // a class Azure has no size for is the configuration's own problem
        const machine = gpuMachine(pool.gpu, "azure");
        const needed = machine.vcpu;
        const what = `GPU pool ${pool.name} (${machine.instanceTypes[0]}, ${needed} vCPU a node${pool.spot ? ", spot" : ""})`;
        const quotas = pool.spot ? [LOW_PRIORITY_QUOTA] : [family, REGIONAL_QUOTA];
        for (const name of quotas) {
            const usage = find(name);
            if (usage === undefined) {
                warnings.push(`${what}: ${location} lists no quota ${name}, so the VM size is probably not offered there (az vm list-skus -l ${location} --size ${machine.instanceTypes[0]}).`);
                continue;
            }
            const free = usage.limit - usage.currentValue;
            if (free < needed) {
                warnings.push(
                    `${what} cannot start a node: quota "${usage.name.localizedValue}" (${usage.name.value}) in ${location} is ${usage.limit} vCPU with ` +
                        `${usage.currentValue} in use; one node needs ${needed}. GPU notebooks would wait and never start: ${askFor(usage, subscriptionId, location, usage.currentValue + needed * pool.maxNodes)}.`,
                );
            }
        }
    }
    return warnings;
}
