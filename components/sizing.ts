/** What pods can request on one node of a pool. */
export interface Allocatable {
    /** CPU cores, to one decimal. */
    cpu: number;
    /** Memory, GiB, to a quarter GiB. */
    memoryGiB: number;
}

/**
 * A conservative estimate of a node's allocatable resources: clouds reserve CPU and memory for the
 * kubelet and the OS (GKE keeps about a fifth of a small node's memory), and DaemonSets (network,
 * storage, metadata, device plugin) take their share. Asking for more than a node can give leaves
 * a pod pending forever, so a "whole node" profile asks for this much.
 */
export function allocatable(node: {
    vcpu: number;
    memoryGiB: number;
    allocatable?: { cpuMillis: number; memoryMiB: number };
    daemonSets?: { cpuMillis: number; memoryMiB: number };
}): Allocatable {
    let cpu = Math.max(0.1, Math.floor((node.vcpu * 0.9 - 0.2) * 10) / 10);
    let memoryGiB = Math.max(0.25, Math.floor((node.memoryGiB * 0.75 - 0.5) * 4) / 4);
    // where the platform knows what the kubelet offers and what its DaemonSets take, never ask for more than is left
    if (node.allocatable && node.daemonSets) {
        cpu = Math.max(0.1, Math.min(cpu, Math.floor((node.allocatable.cpuMillis - node.daemonSets.cpuMillis) / 100) / 10));
        memoryGiB = Math.max(0.25, Math.min(memoryGiB, Math.floor(((node.allocatable.memoryMiB - node.daemonSets.memoryMiB) / 1024) * 4) / 4));
    }
    return { cpu, memoryGiB };
}

/** A quantity of GiB as KubeSpawner and Dask Gateway read it (their `G` suffix is 1024³ bytes). */
export function gibibytes(value: number): string {
    return `${Number(value.toFixed(2))}G`;
}
