/*
 * What the kubelet offers pods on a node: its capacity less what the cloud reserves for the kubelet, the
 * container runtime and the OS, and the hard eviction threshold (100 MiB on all three). The cloud's own
 * DaemonSets are not taken off here: the always-on fit check counts them as the platform's `systemAgents`.
 * Notebook profiles keep the shared layer's more conservative estimate (components/sizing.ts), which also
 * leaves room for DaemonSets on user nodes.
 */

/** CPU and memory the kubelet offers pods on one node. */
export interface KubeletAllocatable {
    /** CPU, millicores. */
    cpuMillis: number;
    /** Memory, MiB. */
    memoryMiB: number;
}

const EVICTION_MIB = 100;

/**
 * CPU reserved by the table GKE documents and EKS's AL2023 bootstrap uses: 6% of the first core, 1% of
 * the second, 0.5% of the next two, 0.25% of every core above four (GKE "Node allocatable resources";
 * amazon-eks-ami nodeadm kube-reserved CPU).
 */
function tieredCpuReserveMillis(vcpu: number): number {
    const tiers: [number, number][] = [[1, 0.06], [1, 0.01], [2, 0.005], [Infinity, 0.0025]];
    let left = vcpu;
    let reserved = 0;
    for (const [cores, share] of tiers) {
        const used = Math.min(left, cores);
        reserved += used * 1000 * share;
        left -= used;
        if (left <= 0) break;
    }
    return Math.round(reserved);
}

/**
 * EKS (AL2023): kube-reserved memory 255 MiB + 11 MiB per pod of nodeadm's own figure (`reservedForPods`: the
 * ENI-based count, which is not the node group's max-pods under prefix delegation; providers/aws/max-pods.ts), CPU by
 * the tiered table; the kubelet's capacity is the kernel's MemTotal, about 94% of the instance type's nominal memory
 * on the small burstable and general-purpose types (firmware and kernel keep the rest).
 */
export function eksAllocatable(vcpu: number, memoryGiB: number, reservedForPods: number): KubeletAllocatable {
    const capacityMiB = memoryGiB * 1024 * 0.94;
    return { cpuMillis: vcpu * 1000 - tieredCpuReserveMillis(vcpu), memoryMiB: Math.floor(capacityMiB - (255 + 11 * reservedForPods) - EVICTION_MIB) };
}

/**
 * GKE Standard: memory reserved 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the
 * next 112 and 2% above; CPU by the tiered table (GKE "Plan for node sizes: node allocatable resources").
 */
export function gkeAllocatable(vcpu: number, memoryGiB: number): KubeletAllocatable {
    const tiers: [number, number][] = [[4, 0.25], [4, 0.2], [8, 0.1], [112, 0.06], [Infinity, 0.02]];
    let left = memoryGiB;
    let reservedGiB = 0;
    for (const [size, share] of tiers) {
        const used = Math.min(left, size);
        reservedGiB += used * share;
        left -= used;
        if (left <= 0) break;
    }
    return { cpuMillis: vcpu * 1000 - tieredCpuReserveMillis(vcpu), memoryMiB: Math.floor((memoryGiB - reservedGiB) * 1024 - EVICTION_MIB) };
}

/**
 * AKS (Kubernetes 1.29 and later): kube-reserved memory 20 MiB per pod the node may hold plus 50 MiB, CPU by
 * AKS's table (60m for 1 core, 100m for 2, 140m for 4, 180m for 8, 260m for 16, 420m for 32, 740m for 64)
 * (AKS "Resource reservations").
 */
export function aksAllocatable(vcpu: number, memoryGiB: number, maxPods: number): KubeletAllocatable {
    const cpuTable: [number, number][] = [[1, 60], [2, 100], [4, 140], [8, 180], [16, 260], [32, 420], [64, 740]];
    const cpuReserve = cpuTable.find(([cores]) => vcpu <= cores)?.[1] ?? 740;
    return { cpuMillis: vcpu * 1000 - cpuReserve, memoryMiB: Math.floor(memoryGiB * 1024 - (50 + 20 * maxPods) - EVICTION_MIB) };
}
