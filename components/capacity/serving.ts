import type { NodePool, ResourceRequests } from "../../providers/contract";
import { ConfigError, ConfigProblem } from "../../stacks/errors";
import type { WorkbenchConfig } from "../../stacks/schema";
import { SERVED_SIZES } from "../serving/sizes";
import { allocatable } from "../sizing";
import { cpuExceeds, memoryExceeds } from "./fit";
import { OPERATOR_SIZES } from "./requests";

/*
 * The serving pool's fit check (`workbench:servingPool`): the served models' and apps' replicas, each with its
 * sign-in proxy, spread across the pool's always-on nodes as their topology spread places them, must fit what one
 * node gives pods. Pure functions of data, so the configuration check runs them on the platform's description of
 * the pool before any resource exists, and the Workbench again on the contract's pool.
 */

/** One served model or app as the serving pool holds it. */
export interface ServedWorkload {
    /** The key that names it, e.g. `workbench:models[0]` (churn). */
    name: string;
    /** Replicas, always on. */
    replicas: number;
    /** What one replica's pod requests: the server and, behind the hub's sign-in, its proxy. */
    pod: Pick<ResourceRequests, "cpuMillis" | "memoryMiB">;
}

/** What the check needs of the pool: the shape of one node, its pod slots, and what the platform knows it gives. */
export type ServingPoolShape = Pick<NodePool, "vcpu" | "memoryGiB" | "maxPods" | "allocatable" | "daemonSets">;

/** What the check found. */
export interface ServingPoolFit {
    fits: boolean;
    /** What the fullest node holds: each workload's share of the spread, rounded up. */
    perNode: ResourceRequests;
    /** What one node gives pods (allocatable, the cloud's DaemonSets taken off where known). */
    node: ResourceRequests;
    /** What runs short, e.g. `memory 7.2 GiB > 5.5 GiB`; empty when it fits. */
    shortages: string[];
}

/** Pod slots kept for the cloud's DaemonSets where the platform does not say how many (network, proxy, CSI, agents). */
const UNKNOWN_DAEMONSET_PODS = 8;

/** The CPU models and apps of a configuration: what runs on the serving pool (GPU models stay on their GPU pool). */
export function servedWorkloads(config: Pick<WorkbenchConfig, "models" | "apps">): ServedWorkload[] {
    const proxy = OPERATOR_SIZES.hubAuthProxy;
    const pod = (size: keyof typeof SERVED_SIZES, signIn: boolean) => ({
        cpuMillis: SERVED_SIZES[size].cpuMillis + (signIn ? proxy.cpuMillis : 0),
        memoryMiB: SERVED_SIZES[size].memoryMiB + (signIn ? proxy.memoryMiB : 0),
    });
    return [
        ...config.models.flatMap((m, i) => (m.gpu ? [] : [{ name: `workbench:models[${i}] (${m.name})`, replicas: m.replicas, pod: pod(m.size, m.signIn) }])),
        ...config.apps.map((a, i) => ({ name: `workbench:apps[${i}] (${a.name})`, replicas: a.replicas, pod: pod(a.size, !a.public) })),
    ];
}

/** What one node of the pool gives pods: the shared layer's whole-node estimate (components/sizing.ts). */
export function servingNodeCapacity(pool: ServingPoolShape): ResourceRequests {
    const node = allocatable(pool);
    return {
        cpuMillis: Math.round(node.cpu * 1000),
        memoryMiB: Math.round(node.memoryGiB * 1024),
        pods: pool.maxPods - (pool.daemonSets?.pods ?? UNKNOWN_DAEMONSET_PODS),
    };
}

/**
 * Checks the served workloads on `nodes` nodes of the pool. Their Deployments spread each workload's replicas
 * across nodes (maxSkew 1 on the hostname), so the fullest node holds ⌈replicas / nodes⌉ of each.
 */
export function servingPoolFit(pool: ServingPoolShape, nodes: number, served: readonly ServedWorkload[]): ServingPoolFit {
    const node = servingNodeCapacity(pool);
    const perNode = served.reduce<ResourceRequests>(
        (sum, w) => {
            const share = Math.ceil(w.replicas / nodes);
            return { cpuMillis: sum.cpuMillis + share * w.pod.cpuMillis, memoryMiB: sum.memoryMiB + share * w.pod.memoryMiB, pods: sum.pods + share };
        },
        { cpuMillis: 0, memoryMiB: 0, pods: 0 },
    );
    const shortages: string[] = [];
    if (perNode.cpuMillis > node.cpuMillis) shortages.push(cpuExceeds(perNode.cpuMillis, node.cpuMillis));
    if (perNode.memoryMiB > node.memoryMiB) shortages.push(`memory ${memoryExceeds(perNode.memoryMiB, node.memoryMiB)}`);
    if (perNode.pods > node.pods) shortages.push(`pods ${perNode.pods} > ${node.pods}`);
    return { fits: shortages.length === 0, perNode, node, shortages };
}

/** The most always-on nodes `workbench:servingPool.nodes` allows (its schema's bound). */
const MAX_SERVING_NODES = 50;

/**
 * The serving pool's problems, naming the key to change: a replica that no node of this size holds
 * (`servingPool.size`), or too few always-on nodes for the replicas (`servingPool.nodes`, with the count that fits).
 */
export function servingPoolProblems(config: Pick<WorkbenchConfig, "models" | "apps" | "servingPool">, pool: ServingPoolShape): ConfigProblem[] {
    const serving = config.servingPool;
    const served = servedWorkloads(config);
    if (!serving || served.length === 0) return [];
    const fit = servingPoolFit(pool, serving.nodes, served);
    if (fit.fits) return [];
    const node = servingNodeCapacity(pool);
    const tooLarge = served.filter((w) => w.pod.cpuMillis > node.cpuMillis || w.pod.memoryMiB > node.memoryMiB);
    if (tooLarge.length > 0) {
        return [
            {
                key: "workbench:servingPool.size",
                given: serving.size,
                allowed:
                    `a size whose nodes hold one replica: a node of ${serving.size} gives pods ${(node.cpuMillis / 1000).toFixed(1)} CPU and ${(node.memoryMiB / 1024).toFixed(1)} GiB, ` +
                    `and one replica of ${tooLarge.map((w) => `${w.name} asks ${w.pod.cpuMillis}m CPU and ${w.pod.memoryMiB} MiB`).join("; ")} (with its sign-in proxy); ` +
                    "choose a larger servingPool.size or a smaller size for it",
            },
        ];
    }
    const enough = Array.from({ length: MAX_SERVING_NODES - serving.nodes }, (_, i) => serving.nodes + 1 + i).find((n) => servingPoolFit(pool, n, served).fits);
    return [
        {
            key: "workbench:servingPool.nodes",
            given: serving.nodes,
            allowed:
                `enough always-on nodes for the served replicas spread across them (the fullest node: ${fit.shortages.join("; ")}); ` +
                (enough
                    ? `${enough} fit (pulumi config set --path workbench:servingPool.nodes ${enough}), or choose a larger servingPool.size`
                    : "choose a larger servingPool.size, or fewer or smaller replicas"),
        },
    ];
}

/**
 * The same check on the pool the platform built (the configuration check ran it on the platform's description
 * before anything existed): throws that problem should the two disagree.
 */
export function assertServingPoolFits(stack: string, config: WorkbenchConfig, pool: NodePool | undefined): void {
    if (!pool || !config.servingPool) return;
    const problems = servingPoolProblems({ ...config, servingPool: { ...config.servingPool, nodes: pool.minNodes } }, pool);
    if (problems.length > 0) throw new ConfigError(stack, problems);
}
