import { Cloud, GPU_CATALOG, GpuClass, gpuClassesOn, gpusOf, multiGpuClassesOn } from "../providers/catalog";
import { PRICES } from "./prices";

/*
 * A GPU class names a GPU, not a machine: where a cloud sells the class only in a machine of several GPUs
 * (A100 on AWS: p4d.24xlarge, eight of them), one node, and the notebook that holds it, is paid for every
 * GPU of the machine. The plan says so before anything is created, with the machine and its price.
 */

/** A GPU pool as the warning needs it (the schema's `workbench:gpuPools[i]`). */
export interface GpuPoolChoice {
    name: string;
    gpu: GpuClass;
    spot: boolean;
}

const usd = (value: number) => `USD ${value.toFixed(2)}/h`;

/** What one node of a class costs an hour on a cloud, on demand (undefined when cost/prices.ts has no price). */
function onDemandHourly(gpu: GpuClass, cloud: Exclude<Cloud, "existing">): number | undefined {
    const type = GPU_CATALOG[gpu].machines[cloud]?.instanceTypes[0];
    return type === undefined ? undefined : PRICES[cloud].instances[type]?.usd;
}

/**
 * One warning per GPU pool whose class the cloud sells only as a multi-GPU machine: the machine, its GPUs,
 * its price an hour, that a notebook there holds every GPU of its node, and the single-GPU classes instead.
 */
export function multiGpuMachineWarnings(cloud: Cloud | undefined, pools: readonly GpuPoolChoice[]): string[] {
    if (cloud === undefined || cloud === "existing") return [];
    const multi = multiGpuClassesOn(cloud);
    const single = gpuClassesOn(cloud).filter((gpu) => !multi.includes(gpu));
    return pools.flatMap((pool, index) => {
        const machine = GPU_CATALOG[pool.gpu].machines[cloud];
        if (!machine || !multi.includes(pool.gpu)) return [];
        const type = machine.instanceTypes[0];
        const hourly = onDemandHourly(pool.gpu, cloud);
        const price =
            hourly === undefined
                ? "at a price cost/prices.ts does not record"
                : `at ${usd(hourly)} on demand${pool.spot ? ` (about ${usd(hourly * PRICES[cloud].spotFactor)} as spot, the estimate's assumption)` : ""}`;
        const instead = single
            .map((gpu) => {
                const one = GPU_CATALOG[gpu].machines[cloud]!;
                const rate = onDemandHourly(gpu, cloud);
                return `${gpu} (${one.instanceTypes[0]}, ${GPU_CATALOG[gpu].gpuMemoryGiB} GB${rate === undefined ? "" : `, ${usd(rate)}`})`;
            })
            .join(", ");
        return [
            `GPU pool ${pool.name} (workbench:gpuPools[${index}].gpu ${pool.gpu}) is a machine of ${machine.gpuCount} GPUs on ${cloud}: ${type}, ` +
                `${gpusOf(pool.gpu, machine)}, ${machine.vcpu} vCPU, ${machine.memoryGiB} GiB, ${price}. ` +
                `A notebook on this pool holds the whole node with all ${machine.gpuCount} GPUs` +
                (machine.note ? ` (${machine.note})` : "") +
                (instead ? `; for one GPU choose ${instead}.` : "."),
        ];
    });
}
