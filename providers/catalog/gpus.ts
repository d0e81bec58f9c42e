import { Cloud, ManagedCloud } from "./clouds";

/** Cloud-agnostic GPU classes a stack asks for; each cloud maps them to its own machines. */
export const GPU_CLASSES = ["t4", "l4", "a10", "a100", "h100"] as const;

/** One of {@link GPU_CLASSES}. */
export type GpuClass = (typeof GPU_CLASSES)[number];

/** A cloud machine that carries a GPU class. */
export interface GpuMachine {
    /**
     * Instance/VM types, preferred first; the rest widen spot availability and must share the first's
     * vCPU, memory and GPU count exactly: an autoscaler sizes a group from one type, so a larger
     * alternative would be paid for and left unused. AWS sells each of its GPU classes in one such
     * size only (g4dn/g5/g6 .2xlarge are 8 vCPU / 32 GiB), so its entries list one type.
     */
    instanceTypes: readonly string[];
    /** vCPUs of the first instance type. */
    vcpu: number;
    /** Memory of the first instance type, GiB. */
    memoryGiB: number;
    /** GPUs per node. */
    gpuCount: number;
    /** GKE accelerator type, when the GPU is attached to the machine rather than built in. */
    acceleratorType?: string;
    /** Why the offer is restricted, shown to the user (e.g. spot-only capacity). */
    note?: string;
}

/** What a GPU class is, and where each cloud offers it. */
export interface GpuClassSpec {
    /** The marketing name shown in the notebook profile list. */
    model: string;
    /** GPU memory, GiB. */
    gpuMemoryGiB: number;
    /** The machine per managed cloud; a missing cloud does not offer this class. */
    machines: Partial<Record<ManagedCloud, GpuMachine>>;
}

/**
 * The GPU catalog. Single-GPU shapes are preferred so that a notebook pays for one GPU;
 * where a cloud only sells a class in multi-GPU machines the entry says so through gpuCount.
 */
export const GPU_CATALOG: Readonly<Record<GpuClass, GpuClassSpec>> = {
    t4: {
        model: "NVIDIA T4",
        gpuMemoryGiB: 16,
        machines: {
            aws: { instanceTypes: ["g4dn.xlarge"], vcpu: 4, memoryGiB: 16, gpuCount: 1 },
            gcp: { instanceTypes: ["n1-standard-4"], vcpu: 4, memoryGiB: 15, gpuCount: 1, acceleratorType: "nvidia-tesla-t4" },
            azure: { instanceTypes: ["Standard_NC4as_T4_v3"], vcpu: 4, memoryGiB: 28, gpuCount: 1 },
        },
    },
    l4: {
        model: "NVIDIA L4",
        gpuMemoryGiB: 24,
        machines: {
            aws: { instanceTypes: ["g6.xlarge"], vcpu: 4, memoryGiB: 16, gpuCount: 1 },
            gcp: { instanceTypes: ["g2-standard-4"], vcpu: 4, memoryGiB: 16, gpuCount: 1, acceleratorType: "nvidia-l4" },
        },
    },
    a10: {
        model: "NVIDIA A10",
        gpuMemoryGiB: 24,
        machines: {
            aws: { instanceTypes: ["g5.xlarge"], vcpu: 4, memoryGiB: 16, gpuCount: 1 },
            azure: { instanceTypes: ["Standard_NV36ads_A10_v5"], vcpu: 36, memoryGiB: 440, gpuCount: 1 },
        },
    },
    a100: {
        model: "NVIDIA A100",
        gpuMemoryGiB: 40,
        machines: {
            aws: { instanceTypes: ["p4d.24xlarge"], vcpu: 96, memoryGiB: 1152, gpuCount: 8, note: "AWS sells A100 only as 8-GPU p4d.24xlarge" },
            gcp: { instanceTypes: ["a2-highgpu-1g"], vcpu: 12, memoryGiB: 85, gpuCount: 1, acceleratorType: "nvidia-tesla-a100" },
            azure: { instanceTypes: ["Standard_NC24ads_A100_v4"], vcpu: 24, memoryGiB: 220, gpuCount: 1 },
        },
    },
    h100: {
        model: "NVIDIA H100",
        gpuMemoryGiB: 80,
        machines: {
            aws: { instanceTypes: ["p5.4xlarge"], vcpu: 16, memoryGiB: 256, gpuCount: 1 },
            gcp: {
                instanceTypes: ["a3-highgpu-1g"], vcpu: 26, memoryGiB: 234, gpuCount: 1, acceleratorType: "nvidia-h100-80gb",
                note: "GCP sells a3-highgpu-1g as spot or flex-start capacity only",
            },
            azure: { instanceTypes: ["Standard_NC40ads_H100_v5"], vcpu: 40, memoryGiB: 320, gpuCount: 1 },
        },
    },
};

/** The GPU classes a cloud offers; every class is possible on an existing cluster that has the hardware. */
export function gpuClassesOn(cloud: Cloud): GpuClass[] {
    if (cloud === "existing") return [...GPU_CLASSES];
    return GPU_CLASSES.filter((gpu) => GPU_CATALOG[gpu].machines[cloud] !== undefined);
}

/**
 * The machine that carries `gpu` on `cloud`. Throws naming the classes the cloud does offer,
 * so a stack asking for an A10 on GCP learns what it can ask for instead.
 */
export function gpuMachine(gpu: GpuClass, cloud: ManagedCloud): GpuMachine {
    const machine = GPU_CATALOG[gpu].machines[cloud];
    if (!machine) {
        throw new Error(`${cloud} offers no ${GPU_CATALOG[gpu].model} (${gpu}); ${unsupportedGpuHint(gpu, cloud)}`);
    }
    return machine;
}

/** "choose one of …" for a GPU class a cloud does not offer. */
export function unsupportedGpuHint(gpu: GpuClass, cloud: Cloud): string {
    const alternatives = gpuClassesOn(cloud).filter((other) => other !== gpu);
    return `choose one of ${alternatives.join(", ")}`;
}

/** "1 × NVIDIA T4 16 GB" or "8 × NVIDIA A100 40 GB": the GPUs one node of a machine carries, and their memory each. */
export function gpusOf(gpu: GpuClass, machine: Pick<GpuMachine, "gpuCount">): string {
    return `${machine.gpuCount} × ${GPU_CATALOG[gpu].model} ${GPU_CATALOG[gpu].gpuMemoryGiB} GB`;
}

/**
 * The GPU classes that `cloud` sells as a machine of several GPUs: a node (and the notebook that holds it, which
 * gets every GPU of its node) is then paid for all of them, whatever the work needs.
 */
export function multiGpuClassesOn(cloud: ManagedCloud): GpuClass[] {
    return gpuClassesOn(cloud).filter((gpu) => (GPU_CATALOG[gpu].machines[cloud]?.gpuCount ?? 1) > 1);
}

/** "NVIDIA T4 · 4 vCPU · 16 GiB" — the line a notebook profile shows for a GPU pool. */
export function describeGpuMachine(gpu: GpuClass, machine: Pick<GpuMachine, "vcpu" | "memoryGiB" | "gpuCount">): string {
    const count = machine.gpuCount > 1 ? `${machine.gpuCount}× ` : "";
    return `${count}${GPU_CATALOG[gpu].model} ${GPU_CATALOG[gpu].gpuMemoryGiB} GB · ${machine.vcpu} vCPU · ${machine.memoryGiB} GiB RAM`;
}
