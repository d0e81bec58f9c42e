import type { ManagedCloud } from "./clouds";

/**
 * Node boot disk sizes, GiB, the same on every cloud unless {@link nodeDiskGiB} says otherwise. User and GPU
 * nodes hold large notebook and CUDA images, so their disks are bigger than the system pool's.
 */
export const NODE_DISK_GIB = { system: 30, user: 60, gpu: 120 } as const;

/** A pool's role, as boot disk sizes are given. */
export type DiskRole = keyof typeof NODE_DISK_GIB;

/**
 * Boot disks that differ on one cloud. AKS's node image fills most of a 30 GiB OS disk with the images it
 * pre-caches (24 of 29.6 GB used right after a node joined: elastic/cloud-on-k8s#5925), and the kubelet collects
 * images from 85 % and evicts below 10 % free: the one always-on node, which holds the hub's and the data
 * services' images, gets 64 GiB (one Premium SSD tier, P6).
 */
const NODE_DISK_GIB_BY_CLOUD: Readonly<Partial<Record<ManagedCloud, Partial<Record<DiskRole, number>>>>> = { azure: { system: 64 } };

/** The boot disk of a pool's nodes on a cloud, GiB. */
export function nodeDiskGiB(cloud: ManagedCloud, role: DiskRole): number {
    return NODE_DISK_GIB_BY_CLOUD[cloud]?.[role] ?? NODE_DISK_GIB[role];
}

/** Volume the hub keeps its user database on, GiB. */
export const HUB_DB_GIB = 1;
