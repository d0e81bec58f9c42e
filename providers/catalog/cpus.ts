import { ManagedCloud } from "./clouds";

/**
 * Cloud-agnostic node sizes for the CPU pools. `xsmall` (2 vCPU, 4 GiB) suits an AWS system pool sized to
 * what runs on it; GKE and AKS system pools should not use it: their own agents leave too little of a
 * 4 GiB node (see ../shared notes: gke-facts, aks-facts; AKS documents B-series as unsupported for system pools).
 */
export const CPU_SIZES = ["xsmall", "small", "medium", "large", "xlarge"] as const;

/** One of {@link CPU_SIZES}. */
export type CpuSize = (typeof CPU_SIZES)[number];

/** The pools a size class can serve: burstable machines suit the always-on system pool, general-purpose the user pool. */
export type CpuPoolRole = "system" | "user";

/** The shape of a size class, identical on every cloud. */
export interface CpuShape {
    /** vCPUs per node. */
    vcpu: number;
    /** Memory per node, GiB. */
    memoryGiB: number;
}

/** Shapes per size class. */
export const CPU_SHAPES: Readonly<Record<CpuSize, CpuShape>> = {
    xsmall: { vcpu: 2, memoryGiB: 4 },
    small: { vcpu: 2, memoryGiB: 8 },
    medium: { vcpu: 4, memoryGiB: 16 },
    large: { vcpu: 8, memoryGiB: 32 },
    xlarge: { vcpu: 16, memoryGiB: 64 },
};

/**
 * Instance types per cloud, role and size, preferred first. User pools list several
 * same-shape families so spot requests find capacity; system pools use burstable types
 * because the hub idles most of the day.
 */
const CPU_MACHINES: Readonly<Record<ManagedCloud, Record<CpuPoolRole, Record<CpuSize, readonly string[]>>>> = {
    aws: {
        system: {
            xsmall: ["t3a.medium", "t3.medium"],
            small: ["t3a.large", "t3.large"],
            medium: ["t3a.xlarge", "t3.xlarge"],
            large: ["t3a.2xlarge", "t3.2xlarge"],
            xlarge: ["m6a.4xlarge", "m6i.4xlarge"],
        },
        user: {
            // compute-optimized: the general-purpose families have no 2 vCPU / 4 GiB type
            xsmall: ["c6a.large", "c6i.large", "c5a.large", "c5.large"],
            small: ["m6a.large", "m6i.large", "m5a.large", "m5.large"],
            medium: ["m6a.xlarge", "m6i.xlarge", "m5a.xlarge", "m5.xlarge"],
            large: ["m6a.2xlarge", "m6i.2xlarge", "m5a.2xlarge", "m5.2xlarge"],
            xlarge: ["m6a.4xlarge", "m6i.4xlarge", "m5a.4xlarge", "m5.4xlarge"],
        },
    },
    gcp: {
        system: { xsmall: ["e2-medium"], small: ["e2-standard-2"], medium: ["e2-standard-4"], large: ["e2-standard-8"], xlarge: ["e2-standard-16"] },
        user: { xsmall: ["e2-medium"], small: ["e2-standard-2"], medium: ["e2-standard-4"], large: ["e2-standard-8"], xlarge: ["e2-standard-16"] },
    },
    azure: {
        // AKS documents B-series as unsupported for system pools (the platform refuses xsmall there); Dasv5 (AMD) is the cheapest supported
        // general-purpose family, for the user pool too (one shape per pool: AKS scales a pool of one size)
        system: { xsmall: ["Standard_B2s"], small: ["Standard_D2as_v5"], medium: ["Standard_D4as_v5"], large: ["Standard_D8as_v5"], xlarge: ["Standard_D16as_v5"] },
        user: { xsmall: ["Standard_B2s"], small: ["Standard_D2as_v5"], medium: ["Standard_D4as_v5"], large: ["Standard_D8as_v5"], xlarge: ["Standard_D16as_v5"] },
    },
};

/** Instance types for a CPU pool, preferred first. */
export function cpuInstanceTypes(cloud: ManagedCloud, role: CpuPoolRole, size: CpuSize): readonly string[] {
    return CPU_MACHINES[cloud][role][size];
}
