import { cpuPoolInstanceTypes, gpuMachine, HUB_DB_GIB, ManagedCloud, NODE_DISK_GIB } from "../providers/catalog";
import { WorkbenchConfig } from "../stacks/schema";
import { CloudPrices, HOURS_PER_MONTH, Price, PRICES } from "./prices";
import { servedCostLines } from "./served";

/** One line of the estimate. */
export interface CostLine {
    /** What is paid for. */
    item: string;
    /** USD a month under the usage profile (for pools that scale from zero) or always. */
    monthly: number;
    /** How the figure was reached, with the rate and its source. */
    basis: string;
    /** The line is zero while the workbench idles (a pool scaled to zero). */
    scalesToZero: boolean;
}

/** The estimated monthly cost of a stack. */
export interface CostEstimate {
    currency: "USD";
    /** Every scalable pool at zero: what the workbench costs doing nothing. */
    idleMonthly: number;
    /** Idle plus the usage profile (`workbench:usageProfile`). */
    typicalMonthly: number;
    /** The stack's budget (`workbench:budget.monthlyUsd`). */
    budgetMonthly: number;
    lines: CostLine[];
}

/** How a cloud's network bills a workbench's nodes and entry point. */
interface NetworkTraits {
    /** Each node in a public subnet holds a billed public IPv4. */
    publicIpPerNode: boolean;
    /** Public IPv4 addresses the hub's load balancer holds. */
    loadBalancerIps: number;
    /** NAT gateways (AWS private nodes). */
    natGateways: number;
}

function networkTraits(config: WorkbenchConfig, cloud: ManagedCloud): NetworkTraits {
    switch (cloud) {
        case "aws":
            // an internet-facing NLB holds one address per subnet it spans; the platform pins it to the
            // node zone's public subnet (aws-load-balancer-subnets), so one
            return {
                publicIpPerNode: !config.aws.privateNodes,
                loadBalancerIps: 1,
                natGateways: config.aws.privateNodes ? 1 : 0,
            };
        case "gcp":
            // nodes of a public GKE cluster each hold an external IPv4; the hub's forwarding rule holds one more
            return { publicIpPerNode: true, loadBalancerIps: 1, natGateways: 0 };
        case "azure":
            // the AKS load balancer holds two Standard public IPs: the hub's frontend and the outbound
            // (egress) address AKS creates for every cluster with outboundType loadBalancer
            return { publicIpPerNode: false, loadBalancerIps: 2, natGateways: 0 };
    }
}

const round = (usd: number) => Math.round(usd * 100) / 100;
const rate = (price: Price) => `USD ${price.usd}/${price.per === "hour" ? "h" : "GB-month"} (${price.source}, ${price.asOf})`;

/** What a basis says of an instance type cost/prices.ts has no price for (an instance type override). */
export const UNPRICED = "no list price recorded in cost/prices.ts";

/** Hourly cost of one node of a pool: instance (spot-adjusted), boot disk and public address. */
function nodeHourly(prices: CloudPrices, traits: NetworkTraits, instanceType: string, spot: boolean, diskGiB: number) {
    const instance: Price | undefined = prices.instances[instanceType];
    const compute = (instance?.usd ?? 0) * (spot ? prices.spotFactor : 1);
    const disk = (diskGiB * prices.blockStorage.usd) / HOURS_PER_MONTH;
    const address = traits.publicIpPerNode ? prices.publicIpv4.usd : 0;
    const hourly = compute + disk + address;
    const instanceRate = instance ? rate(instance) : `(${UNPRICED}; instance counted as USD 0)`;
    const basis =
        `${instanceType} ${spot ? `spot (${prices.spotFactor} × on-demand; ${prices.spotBasis}) ` : ""}${instanceRate}` +
        ` + ${diskGiB} GiB disk${traits.publicIpPerNode ? " + public IPv4" : ""} = USD ${hourly.toFixed(4)}/h`;
    return { hourly, basis };
}

function managedCloudLines(config: WorkbenchConfig, cloud: ManagedCloud): CostLine[] {
    const prices = PRICES[cloud];
    const traits = networkTraits(config, cloud);
    const always = (item: string, monthly: number, basis: string): CostLine => ({ item, monthly: round(monthly), basis, scalesToZero: false });
    const lines: CostLine[] = [];

    // GKE's free-tier credit pays a zonal cluster's fee only (workbench:gcp.regional forgoes it)
    const credit = cloud === "gcp" && config.gcp.regional ? 0 : prices.controlPlaneCreditMonthly;
    const controlPlane = prices.controlPlane.usd * HOURS_PER_MONTH - credit;
    lines.push(always("Kubernetes control plane", Math.max(0, controlPlane),
        `${rate(prices.controlPlane)} × ${HOURS_PER_MONTH} h` + (credit ? ` − USD ${credit} free-tier credit (one zonal cluster)` : "")));

    const systemType = cpuPoolInstanceTypes(config, cloud, "system")[0];
    const system = nodeHourly(prices, traits, systemType, config.systemPool.spot, NODE_DISK_GIB.system);
    lines.push(always(`System pool (${config.systemPool.nodes} × ${systemType}, always on)`,
        system.hourly * HOURS_PER_MONTH * config.systemPool.nodes, `${config.systemPool.nodes} × ${HOURS_PER_MONTH} h × ${system.basis}`));

    lines.push(always("Hub load balancer", (prices.loadBalancer.usd + traits.loadBalancerIps * prices.publicIpv4.usd) * HOURS_PER_MONTH,
        `${rate(prices.loadBalancer)} + ${traits.loadBalancerIps} public IPv4 × ${rate(prices.publicIpv4)}`));

    if (traits.natGateways > 0 && prices.natGateway) {
        lines.push(always("NAT gateway (private nodes)", traits.natGateways * (prices.natGateway.usd + prices.publicIpv4.usd) * HOURS_PER_MONTH,
            `${rate(prices.natGateway)} + its public IPv4, excluding data processed`));
    }

    const users = new Set([...config.users.admins, ...config.users.allowed]).size;
    const volumeGiB = users * config.storage.homeSizeGiB + HUB_DB_GIB;
    lines.push(always(`Volumes (${users} home × ${config.storage.homeSizeGiB} GiB + hub database)`, volumeGiB * prices.blockStorage.usd,
        `${volumeGiB} GiB × ${rate(prices.blockStorage)}; homes are retained while users are idle`));

    lines.push(always(`Bucket storage (${config.usageProfile.bucketGB} GB)`, config.usageProfile.bucketGB * prices.objectStorage.usd,
        `${config.usageProfile.bucketGB} GB (usageProfile.bucketGB) × ${rate(prices.objectStorage)}, excluding requests and egress`));

    const userType = cpuPoolInstanceTypes(config, cloud, "user")[0];
    const user = nodeHourly(prices, traits, userType, config.userPool.spot, NODE_DISK_GIB.user);
    lines.push(poolLine(`User pool (${userType}, ${config.userPool.minNodes}-${config.userPool.maxNodes} nodes)`,
        user, config.userPool.minNodes, config.usageProfile.userNodeHours, "usageProfile.userNodeHours"));

    for (const pool of config.gpuPools) {
        const machine = gpuMachine(pool.gpu, cloud);
        const gpu = nodeHourly(prices, traits, machine.instanceTypes[0], pool.spot, NODE_DISK_GIB.gpu);
        lines.push(poolLine(`GPU pool ${pool.name} (${machine.instanceTypes[0]}, ${pool.minNodes}-${pool.maxNodes} nodes)`,
            gpu, pool.minNodes, config.usageProfile.gpuNodeHours, "usageProfile.gpuNodeHours"));
    }
    lines.push(...servedCostLines(config, cloud, userType, (type, spot) => nodeHourly(prices, traits, type, spot, NODE_DISK_GIB.user)));
    return lines;
}

/** A pool that scales: its minimum nodes always run, the usage profile adds hours on top. */
function poolLine(item: string, node: { hourly: number; basis: string }, minNodes: number, hours: number, hoursKey: string): CostLine {
    const alwaysOn = minNodes * HOURS_PER_MONTH;
    return {
        item,
        monthly: round(node.hourly * (alwaysOn + hours)),
        basis: `${minNodes > 0 ? `${minNodes} node(s) × ${HOURS_PER_MONTH} h + ` : ""}${hours} node-hours (${hoursKey}) × ${node.basis}`,
        scalesToZero: minNodes === 0,
    };
}

/** Estimates a stack's monthly cost from its validated configuration. */
export function estimateCost(config: WorkbenchConfig): CostEstimate {
    const lines: CostLine[] =
        config.cloud === "existing"
            ? [{ item: "Existing cluster", monthly: 0, basis: "the cluster and any external object store are paid for outside this program", scalesToZero: false }]
            : managedCloudLines(config, config.cloud);
    const idle = lines.filter((line) => !line.scalesToZero).reduce((sum, line) => sum + line.monthly, 0);
    const typical = lines.reduce((sum, line) => sum + line.monthly, 0);
    return { currency: "USD", idleMonthly: round(idle), typicalMonthly: round(typical), budgetMonthly: config.budget.monthlyUsd, lines };
}

/** Warnings when the estimate breaks the budget, or cannot price part of the stack. */
export function budgetWarnings(estimate: CostEstimate): string[] {
    const { idleMonthly, typicalMonthly, budgetMonthly } = estimate;
    const unpriced = estimate.lines.filter((line) => line.basis.includes(UNPRICED)).map((line) => line.item);
    const incomplete = unpriced.length > 0 ? [`The cost estimate is incomplete: ${UNPRICED} for ${unpriced.join("; ")}.`] : [];
    if (idleMonthly > budgetMonthly) {
        return [...incomplete, `Idle cost USD ${idleMonthly}/month already exceeds the budget of USD ${budgetMonthly} (workbench:budget.monthlyUsd).`];
    }
    if (typicalMonthly > budgetMonthly) {
        return [...incomplete, `Typical cost USD ${typicalMonthly}/month exceeds the budget of USD ${budgetMonthly} under workbench:usageProfile.`];
    }
    return incomplete;
}
