import { CPU_SHAPES, cpuInstanceTypes, gpuMachine, ManagedCloud } from "../providers/catalog";
import { alwaysOnNodes, SERVED_SIZES } from "../components/serving/sizes";
import type { WorkbenchConfig } from "../stacks/schema";
import { HOURS_PER_MONTH } from "./prices";

/*
 * Served models and apps keep nodes up: priced as always-on, on the pool they run on. On the user pool (or a GPU
 * pool), at the nodes their requests fill (at least two: the replicas spread across nodes); on the on-demand serving
 * pool (`workbench:servingPool`), at its always-on `nodes`, which the plan's fit check holds the replicas to.
 * Lines for cost/estimate.ts.
 */

/** One line of the estimate, as estimate.ts keeps them. */
export interface ServedCostLine {
    item: string;
    monthly: number;
    /** The month with the pool at its `maxNodes` (scale-out under load at its widest); `monthly` where it cannot grow. */
    ceilingMonthly: number;
    basis: string;
    scalesToZero: false;
}

const cents = (usd: number) => Math.round(usd * 100) / 100;

/** The serving pool's line: its always-on on-demand nodes, every month; its ceiling at `maxNodes`. */
export function servingPoolCostLine(config: WorkbenchConfig, cloud: ManagedCloud, nodeHourly: NodeHourly): ServedCostLine | undefined {
    const pool = config.servingPool;
    if (!pool) return undefined;
    const type = cpuInstanceTypes(cloud, "user", pool.size)[0];
    const node = nodeHourly(type, false);
    const maxNodes = pool.maxNodes ?? pool.nodes;
    const replicas = [...config.models.filter((m) => !m.gpu), ...config.apps].reduce((n, s) => n + s.replicas, 0);
    return {
        item: `Serving pool (${pool.nodes} × ${type} on demand, always on)`,
        monthly: cents(pool.nodes * node.hourly * HOURS_PER_MONTH),
        ceilingMonthly: cents(maxNodes * node.hourly * HOURS_PER_MONTH),
        basis:
            `${pool.nodes} nodes (workbench:servingPool.nodes; ${replicas} replicas checked to fit them) × ${HOURS_PER_MONTH} h × (${node.basis})` +
            `; ceiling ${maxNodes} nodes (servingPool.maxNodes) × ${HOURS_PER_MONTH} h`,
        scalesToZero: false,
    };
}

/** An hourly price of one node of a pool, with its basis (estimate.ts's `nodeHourly`). */
export type NodeHourly = (instanceType: string, spot: boolean) => { hourly: number; basis: string };

/** Always-on lines for the served models and apps of a managed cloud's stack. */
export function servedCostLines(config: WorkbenchConfig, cloud: ManagedCloud, userInstanceType: string, nodeHourly: NodeHourly): ServedCostLine[] {
    const lines: ServedCostLine[] = [];
    const cpuServed = [...config.models.filter((m) => !m.gpu), ...config.apps].map((s) => ({ size: SERVED_SIZES[s.size], replicas: s.replicas }));
    const servingPool = servingPoolCostLine(config, cloud, nodeHourly);
    if (servingPool) lines.push(servingPool);
    else if (cpuServed.length > 0) {
        const nodes = alwaysOnNodes(CPU_SHAPES[config.userPool.size], cpuServed);
        const node = nodeHourly(userInstanceType, config.userPool.spot);
        const monthly = cents(nodes * node.hourly * HOURS_PER_MONTH);
        lines.push({
            item: `Serving on the user pool (${nodes} × ${userInstanceType}, always on)`,
            monthly,
            ceilingMonthly: monthly,
            basis: `${cpuServed.reduce((n, s) => n + s.replicas, 0)} replicas of ${cpuServed.length} model(s)/app(s) at their requests fill ${nodes} node(s) (two at least: one replica per node) × ${HOURS_PER_MONTH} h × ${node.basis}`,
            scalesToZero: false,
        });
    }
    const gpuModels = config.models.filter((m) => m.gpu);
    const pool = config.gpuPools[0];
    if (gpuModels.length > 0 && pool) {
        const machine = gpuMachine(pool.gpu, cloud);
        const replicas = gpuModels.reduce((n, m) => n + m.replicas, 0);
        const nodes = Math.max(2, Math.ceil(replicas / machine.gpuCount));
        const node = nodeHourly(machine.instanceTypes[0], pool.spot);
        const monthly = cents(nodes * node.hourly * HOURS_PER_MONTH);
        lines.push({
            item: `Serving on GPU pool ${pool.name} (${nodes} × ${machine.instanceTypes[0]}, always on)`,
            monthly,
            ceilingMonthly: monthly,
            basis: `${replicas} GPU replicas, one GPU each, ${machine.gpuCount} per node, two nodes at least × ${HOURS_PER_MONTH} h × ${node.basis}`,
            scalesToZero: false,
        });
    }
    return lines;
}
