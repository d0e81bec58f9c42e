/*
 * Which AKS OS disks are ephemeral: a fact about VM sizes, read by the pools (providers/azure/pools.ts) and by the
 * cost estimate (an ephemeral OS disk is on the VM's own temporary disk and costs nothing: AKS concepts-storage).
 */

/**
 * Temporary (resource) disk per VM size, GiB (Azure VM size pages): an ephemeral OS disk fits on it,
 * costs nothing and boots faster. Dasv5 sizes have none, so their OS disk is a managed one.
 */
const TEMP_DISK_GIB: Readonly<Record<string, number>> = {
    "Standard_NC4as_T4_v3": 176,
    "Standard_NV36ads_A10_v5": 1440,
    "Standard_NC24ads_A100_v4": 64,
    "Standard_NC40ads_H100_v5": 3576,
};

/** AKS OS disk types. */
export type OsDiskType = "Ephemeral" | "Managed";

/**
 * The OS disk type of a VM size for a disk of `sizeGiB`: ephemeral where the temporary disk holds it,
 * managed otherwise. Chosen explicitly, because AKS's own default for a managed disk is a 128 GiB Premium
 * SSD (P10) on small VMs (AKS concepts-storage).
 */
export function osDiskTypeFor(vmSize: string, sizeGiB: number): OsDiskType {
    return (TEMP_DISK_GIB[vmSize] ?? 0) >= sizeGiB ? "Ephemeral" : "Managed";
}
