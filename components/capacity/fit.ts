import type { KubeletAllocatable } from "../../providers/allocatable";
import type { ResourceRequests } from "../../providers/contract";
import { allocatable } from "../sizing";
import { SystemPods } from "./requests";

/*
 * The always-on fit check: everything placed on the system pool (the cloud's own agents, the hub, the
 * operators, the enabled services) must fit what its nodes can give, in CPU, memory and pod slots.
 * Pure functions of data, so the configuration check can run them before any resource exists.
 */

/** The system pool as the check needs it. */
export interface SystemPoolShape {
    /** vCPUs per node. */
    vcpu: number;
    /** Memory per node, GiB. */
    memoryGiB: number;
    /** Pods one node holds. */
    maxPods: number;
    /** Always-on nodes. */
    nodes: number;
    /** What the kubelet offers pods on one node, where the platform knows it (else a conservative estimate). */
    allocatable?: KubeletAllocatable;
}

/** What the check found. */
export interface SystemPoolFit {
    fits: boolean;
    /** What everything on the pool requests, the cloud's agents included. */
    demand: ResourceRequests;
    /** What the pool's nodes can give, all together. */
    capacity: ResourceRequests;
    /** The resources that run short, e.g. `memory 7.2 GiB > 5.5 GiB`; empty when it fits. */
    shortages: string[];
}

/** Adds requests up. */
export function total(parts: readonly ResourceRequests[]): ResourceRequests {
    return parts.reduce<ResourceRequests>(
        (sum, part) => ({ cpuMillis: sum.cpuMillis + part.cpuMillis, memoryMiB: sum.memoryMiB + part.memoryMiB, pods: sum.pods + part.pods }),
        { cpuMillis: 0, memoryMiB: 0, pods: 0 },
    );
}

/** What a pool's nodes give pods, all nodes together (allocatable: the kubelet's and the OS's share taken off). */
export function poolCapacity(pool: SystemPoolShape): ResourceRequests {
    const estimate = allocatable(pool);
    const node = pool.allocatable ?? { cpuMillis: Math.round(estimate.cpu * 1000), memoryMiB: Math.round(estimate.memoryGiB * 1024) };
    return {
        cpuMillis: node.cpuMillis * pool.nodes,
        memoryMiB: node.memoryMiB * pool.nodes,
        pods: pool.maxPods * pool.nodes,
    };
}

const gib = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`;

/**
 * "7.3 GiB > 5.5 GiB": a need above what is given, in figures that keep the gap. Both sides are rounded
 * outward (the need up, the capacity down), so the printed need always exceeds the printed capacity; a gap
 * under 100 MiB is printed in MiB, where tenths of a GiB would hide it ("2.7 GiB > 2.7 GiB").
 */
export function memoryExceeds(needMiB: number, givenMiB: number): string {
    return memoryFigures(needMiB, givenMiB).join(" > ");
}

/** The two figures of {@link memoryExceeds}: the need, and what is given. */
function memoryFigures(needMiB: number, givenMiB: number): [string, string] {
    if (needMiB - givenMiB < 100) return [`${Math.ceil(needMiB)} MiB`, `${Math.floor(givenMiB)} MiB`];
    return [`${(Math.ceil((needMiB / 1024) * 10) / 10).toFixed(1)} GiB`, `${(Math.floor((givenMiB / 1024) * 10) / 10).toFixed(1)} GiB`];
}

/** "0.55 CPU > 0.50 CPU", rounded outward like {@link memoryExceeds}; millicores where hundredths would hide the gap. */
export function cpuExceeds(needMillis: number, givenMillis: number): string {
    if (needMillis - givenMillis < 10) return `${Math.ceil(needMillis)}m CPU > ${Math.floor(givenMillis)}m CPU`;
    return `${(Math.ceil(needMillis / 10) / 100).toFixed(2)} CPU > ${(Math.floor(givenMillis / 10) / 100).toFixed(2)} CPU`;
}

/** Checks the pods and the agents against the pool. */
export function systemPoolFit(pool: SystemPoolShape, agents: ResourceRequests, pods: readonly SystemPods[]): SystemPoolFit {
    const demand = total([agents, ...pods]);
    const capacity = poolCapacity(pool);
    const shortages: string[] = [];
    if (demand.cpuMillis > capacity.cpuMillis) shortages.push(`CPU ${cpuExceeds(demand.cpuMillis, capacity.cpuMillis)}`);
    if (demand.memoryMiB > capacity.memoryMiB) shortages.push(`memory ${memoryExceeds(demand.memoryMiB, capacity.memoryMiB)}`);
    if (demand.pods > capacity.pods) shortages.push(`pods ${demand.pods} > ${capacity.pods}`);
    // one pod cannot span nodes: the largest must fit one node
    const node = poolCapacity({ ...pool, nodes: 1 });
    const largest = [...pods].sort((a, b) => b.memoryMiB / b.pods - a.memoryMiB / a.pods)[0];
    if (largest && largest.memoryMiB / largest.pods > node.memoryMiB) {
        const [needs, gives] = memoryFigures(largest.memoryMiB / largest.pods, node.memoryMiB);
        shortages.push(`${largest.component} needs ${needs} on one node, which gives ${gives}`);
    }
    return { fits: shortages.length === 0, demand, capacity, shortages };
}

/** The problem's text: what runs short, the biggest consumers, and what to choose. */
export function fitMessage(fit: SystemPoolFit, pods: readonly SystemPods[], choose: string): string {
    const biggest = [...pods]
        .sort((a, b) => b.memoryMiB - a.memoryMiB)
        .slice(0, 4)
        .map((p) => `${p.component} ${gib(p.memoryMiB)}`)
        .join(", ");
    return `the always-on system pool is too small for what runs on it (${fit.shortages.join("; ")}; largest: ${biggest}); ${choose}`;
}
