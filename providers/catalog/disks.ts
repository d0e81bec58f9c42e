/**
 * Node boot disk sizes, GiB, the same on every cloud. User and GPU nodes hold large notebook
 * and CUDA images, so their disks are bigger than the system pool's.
 */
export const NODE_DISK_GIB = { system: 30, user: 60, gpu: 120 } as const;

/** Volume the hub keeps its user database on, GiB. */
export const HUB_DB_GIB = 1;
