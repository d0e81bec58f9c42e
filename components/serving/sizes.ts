import type { NodePool } from "../../providers/contract";
import type { ServerSize } from "../capacity/requests";
import type { WorkbenchConfig } from "../../stacks/schema";

/** Requests of one replica of a served model or app, by `size`. */
export const SERVED_SIZES: Readonly<Record<WorkbenchConfig["models"][number]["size"], ServerSize>> = {
    small: { cpuMillis: 500, memoryMiB: 1024 },
    medium: { cpuMillis: 1000, memoryMiB: 2048 },
    large: { cpuMillis: 2000, memoryMiB: 4096 },
};

/** What a node keeps for itself (kubelet, system daemons): requests fill at most this share of a node. */
const ALLOCATABLE_SHARE = 0.85;

/** Replicas of this size one node of the pool holds (at least one node's worth is what a replica needs). */
export function replicasPerNode(pool: Pick<NodePool, "vcpu" | "memoryGiB">, size: ServerSize): number {
    const byCpu = Math.floor((pool.vcpu * 1000 * ALLOCATABLE_SHARE) / size.cpuMillis);
    const byMemory = Math.floor((pool.memoryGiB * 1024 * ALLOCATABLE_SHARE) / size.memoryMiB);
    return Math.max(0, Math.min(byCpu, byMemory));
}

/**
 * The most replicas scale-out may reach: what the pool at its `maxNodes` holds (the pool's maximum is the budget's
 * cap on nodes), never fewer than the replicas asked for.
 */
export function maxReplicas(pool: Pick<NodePool, "vcpu" | "memoryGiB" | "maxNodes">, size: ServerSize, replicas: number): number {
    return Math.max(replicas, Math.min(4 * replicas, replicasPerNode(pool, size) * pool.maxNodes));
}

/** Always-on nodes the served replicas keep up: their requests packed, at least two (the spread across nodes). */
export function alwaysOnNodes(pool: Pick<NodePool, "vcpu" | "memoryGiB">, served: { size: ServerSize; replicas: number }[]): number {
    if (served.length === 0) return 0;
    const cpu = served.reduce((sum, s) => sum + s.size.cpuMillis * s.replicas, 0);
    const memory = served.reduce((sum, s) => sum + s.size.memoryMiB * s.replicas, 0);
    const nodes = Math.max(Math.ceil(cpu / (pool.vcpu * 1000 * ALLOCATABLE_SHARE)), Math.ceil(memory / (pool.memoryGiB * 1024 * ALLOCATABLE_SHARE)));
    return Math.max(2, nodes);
}
