import { STORAGE_GIB } from "../components/capacity/requests";
import { enabledDataServices } from "../components/services/catalog";
import { cpuPoolInstanceTypes, CpuSize, gpuMachine, gpusOf, HUB_DB_GIB, ManagedCloud, nodeDiskGiB } from "../providers/catalog";
import { WorkbenchConfig } from "../stacks/schema";
import { CloudPrices, HOURS_PER_MONTH, Price, PRICES } from "./prices";
import { servedCostLines } from "./served";

/** One line of the estimate. */
export interface CostLine {
    /** What is paid for. */
    item: string;
    /** USD a month under the usage profile (for pools that scale from zero) or always. */
    monthly: number;
    /** USD a month with the line's pool at its maximum node count all month (equal to `monthly` for fixed lines). */
    ceilingMonthly: number;
    /** How the figure was reached, with each rate's source as a footnote number into {@link CostEstimate.sources}, e.g. `[2]`. */
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
    /** Every pool at its `maxNodes` for the whole month: what the configuration allows at most (bucket as in the profile). */
    ceilingMonthly: number;
    /** The stack's budget (`workbench:budget.monthlyUsd`). */
    budgetMonthly: number;
    lines: CostLine[];
    /** The pages the rates were read from, with the month read: footnote `[n]` of a basis is `sources[n - 1]`. */
    sources: string[];
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
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What a basis says of an instance type cost/prices.ts has no price for (an instance type override). */
export const UNPRICED = "no list price recorded in cost/prices.ts";

/** Collects the sources the lines cite, numbering each page once. */
class Sources {
    readonly list: string[] = [];

    /** `[n]` for a price's page and month. */
    ref(price: Price): string {
        return this.note(`${price.source}, read ${price.asOf}`);
    }

    /** `[n]` for a stated assumption (spot's share of on-demand), numbered with the sources. */
    note(text: string): string {
        let index = this.list.indexOf(text);
        if (index < 0) index = this.list.push(text) - 1;
        return `[${index + 1}]`;
    }

    /** "USD 0.1/h [3]". */
    rate(price: Price): string {
        return `USD ${price.usd}/${price.per === "hour" ? "h" : "GB-month"} ${this.ref(price)}`;
    }
}

/** One node of a pool: what an hour of it costs, and how that figure is reached. */
interface NodeRate {
    hourly: number;
    basis: string;
}

/** A month of one block-storage disk: by the cloud's size tiers where it bills so (Azure's Premium SSD), else per GiB. */
function diskMonthly(prices: CloudPrices, sources: Sources, gib: number): { usd: number; basis: string } {
    return prices.diskMonthly?.(gib) ?? { usd: gib * prices.blockStorage.usd, basis: `${gib} GiB at ${sources.rate(prices.blockStorage)}` };
}

/** Hourly cost of one node of a pool: instance (spot-adjusted), boot disk and public address. */
function nodeHourly(prices: CloudPrices, traits: NetworkTraits, sources: Sources, instanceType: string, spot: boolean, diskGiB: number): NodeRate {
    const instance: Price | undefined = prices.instances[instanceType];
    const compute = (instance?.usd ?? 0) * (spot ? prices.spotFactor : 1);
    // an ephemeral OS disk lives on the VM's own temporary disk and is part of the VM's price
    const free = prices.freeBootDisk?.(instanceType, diskGiB) ?? false;
    const bootDisk = diskMonthly(prices, sources, diskGiB);
    const disk = free ? 0 : bootDisk.usd / HOURS_PER_MONTH;
    const address = traits.publicIpPerNode ? prices.publicIpv4.usd : 0;
    const hourly = compute + disk + address;
    const instanceRate = instance ? sources.rate(instance) : `(${UNPRICED}; instance counted as USD 0)`;
    const basis =
        `${instanceType} ${instanceRate}${spot ? ` × ${prices.spotFactor} spot ${sources.note(`Spot assumed at ${prices.spotFactor} × on-demand: ${prices.spotBasis}`)}` : ""}` +
        ` + ${free ? `${diskGiB} GiB ephemeral OS disk (free)` : `${diskGiB} GiB disk (${bootDisk.basis})`}` +
        `${traits.publicIpPerNode ? ` + public IPv4 ${sources.rate(prices.publicIpv4)}` : ""} = USD ${hourly.toFixed(4)}/h`;
    return { hourly, basis };
}

/** A line that costs the same every month, idle or busy. */
const fixed = (item: string, monthly: number, basis: string): CostLine => ({
    item,
    monthly: round(monthly),
    ceilingMonthly: round(monthly),
    basis,
    scalesToZero: false,
});

/** The data services that keep a volume (one server each, on the retained class). */
type VolumeService = keyof typeof STORAGE_GIB;
const hasVolume = (name: string): name is VolumeService => name in STORAGE_GIB;

/** The data services' volumes the configuration creates (with the services they require): service and GiB. */
export function dataVolumes(services: WorkbenchConfig["services"]): { service: VolumeService; gib: number }[] {
    return enabledDataServices(services)
        .filter(hasVolume)
        .map((service) => ({ service, gib: services[service].storageGiB ?? STORAGE_GIB[service] }));
}

/** The system pool's monthly cost at a size class (the always-on fit check's advice quotes it). */
export function systemPoolMonthly(config: WorkbenchConfig, cloud: ManagedCloud, size: CpuSize = config.systemPool.size): { instanceType: string; monthly: number } {
    const sized = { ...config, systemPool: { ...config.systemPool, size } };
    const instanceType = cpuPoolInstanceTypes(sized, cloud, "system")[0];
    const node = nodeHourly(PRICES[cloud], networkTraits(config, cloud), new Sources(), instanceType, config.systemPool.spot, nodeDiskGiB(cloud, "system"));
    return { instanceType, monthly: round(node.hourly * HOURS_PER_MONTH * config.systemPool.nodes) };
}

function managedCloudLines(config: WorkbenchConfig, cloud: ManagedCloud, sources: Sources): CostLine[] {
    const prices = PRICES[cloud];
    const traits = networkTraits(config, cloud);
    const lines: CostLine[] = [];

    // GKE's free-tier credit pays a zonal cluster's fee only (workbench:gcp.regional forgoes it)
    const credit = cloud === "gcp" && config.gcp.regional ? 0 : prices.controlPlaneCreditMonthly;
    // AKS sells its control plane in tiers (workbench:azure.tier)
    const controlPlanePrice = (cloud === "azure" ? prices.controlPlaneTiers?.[config.azure.tier] : undefined) ?? prices.controlPlane;
    const controlPlane = controlPlanePrice.usd * HOURS_PER_MONTH - credit;
    lines.push(fixed("Kubernetes control plane", Math.max(0, controlPlane),
        `${sources.rate(controlPlanePrice)} × ${HOURS_PER_MONTH} h` + (credit ? ` − USD ${credit} free-tier credit (one zonal cluster)` : "")));

    const systemType = cpuPoolInstanceTypes(config, cloud, "system")[0];
    const system = nodeHourly(prices, traits, sources, systemType, config.systemPool.spot, nodeDiskGiB(cloud, "system"));
    // what the always-on fit check sized the pool for: the data services' servers and operators make it larger
    const services = enabledDataServices(config.services);
    lines.push(fixed(`System pool (${config.systemPool.nodes} × ${systemType}, always on)`,
        system.hourly * HOURS_PER_MONTH * config.systemPool.nodes,
        `${plural(config.systemPool.nodes, "node")} × ${HOURS_PER_MONTH} h × (${system.basis}); size ${config.systemPool.size} (workbench:systemPool.size), ` +
            `checked to fit the hub and operators${services.length > 0 ? ` with ${services.join(", ")}` : ""}`));

    lines.push(fixed("Hub load balancer", (prices.loadBalancer.usd + traits.loadBalancerIps * prices.publicIpv4.usd) * HOURS_PER_MONTH,
        `(${sources.rate(prices.loadBalancer)} + ${traits.loadBalancerIps} public IPv4 × ${sources.rate(prices.publicIpv4)}) × ${HOURS_PER_MONTH} h`));

    if (traits.natGateways > 0 && prices.natGateway) {
        lines.push(fixed("NAT gateway (private nodes)", traits.natGateways * (prices.natGateway.usd + prices.publicIpv4.usd) * HOURS_PER_MONTH,
            `(${sources.rate(prices.natGateway)} + its public IPv4 ${sources.rate(prices.publicIpv4)}) × ${HOURS_PER_MONTH} h, excluding data processed`));
    }

    const users = new Set([...config.users.admins, ...config.users.allowed]).size;
    const volumeGiB = users * config.storage.homeSizeGiB + HUB_DB_GIB;
    const home = diskMonthly(prices, sources, config.storage.homeSizeGiB);
    const hubDb = diskMonthly(prices, sources, HUB_DB_GIB);
    lines.push(fixed(`Volumes (${plural(users, "home")} of ${config.storage.homeSizeGiB} GiB, hub database)`, users * home.usd + hubDb.usd,
        prices.diskMonthly
            ? `${users} × (${home.basis}) + hub database (${hubDb.basis}); homes are retained while users are idle`
            : `${volumeGiB} GiB × ${sources.rate(prices.blockStorage)}; homes are retained while users are idle`));

    const data = dataVolumes(config.services);
    if (data.length > 0) {
        const gib = data.reduce((sum, v) => sum + v.gib, 0);
        // each volume is its own disk: where disks are billed by tier, each rounds up to its tier
        const monthly = data.reduce((sum, v) => sum + diskMonthly(prices, sources, v.gib).usd, 0);
        lines.push(fixed(`Data-service volumes (${plural(data.length, "volume")}, ${gib} GiB)`, monthly,
            `${data.map((v) => `${v.service} ${v.gib} GiB`).join(" + ")} (workbench:services.<name>.storageGiB) × ` +
                `${prices.diskMonthly ? "each billed by its disk tier" : sources.rate(prices.blockStorage)}; retained, paid while the servers idle`));
    }

    lines.push(fixed(`Bucket storage (${config.usageProfile.bucketGB} GB)`, config.usageProfile.bucketGB * prices.objectStorage.usd,
        `${config.usageProfile.bucketGB} GB (usageProfile.bucketGB) × ${sources.rate(prices.objectStorage)}, excluding requests and egress`));

    const userType = cpuPoolInstanceTypes(config, cloud, "user")[0];
    const user = nodeHourly(prices, traits, sources, userType, config.userPool.spot, nodeDiskGiB(cloud, "user"));
    lines.push(poolLine(`User pool (${userType}, ${config.userPool.minNodes}-${config.userPool.maxNodes} nodes)`,
        user, config.userPool, config.usageProfile.userNodeHours, "usageProfile.userNodeHours"));

    for (const pool of config.gpuPools) {
        const machine = gpuMachine(pool.gpu, cloud);
        const type = machine.instanceTypes[0];
        const gpu = nodeHourly(prices, traits, sources, type, pool.spot, nodeDiskGiB(cloud, "gpu"));
        const gpus = gpusOf(pool.gpu, machine).replace("NVIDIA ", "");
        lines.push(poolLine(`GPU pool ${pool.name} (${type}: ${gpus}, USD ${gpu.hourly.toFixed(2)}/h${pool.spot ? " spot" : ""}, ${pool.minNodes}-${pool.maxNodes} nodes)`,
            gpu, pool, config.usageProfile.gpuNodeHours, "usageProfile.gpuNodeHours"));
    }
    // served models and apps keep nodes up all month, idle or busy; the serving pool's ceiling is its maxNodes
    const served = servedCostLines(config, cloud, userType, (type, spot) => nodeHourly(prices, traits, sources, type, spot, nodeDiskGiB(cloud, "user")));
    lines.push(...served.map((line) => ({ ...fixed(line.item, line.monthly, line.basis), ceilingMonthly: round(line.ceilingMonthly) })));
    return lines;
}

/** A pool that scales: its minimum nodes always run, the usage profile adds hours on top, the ceiling runs every node. */
function poolLine(item: string, node: NodeRate, pool: { minNodes: number; maxNodes: number }, hours: number, hoursKey: string): CostLine {
    const alwaysOn = pool.minNodes * HOURS_PER_MONTH;
    return {
        item,
        monthly: round(node.hourly * (alwaysOn + hours)),
        ceilingMonthly: round(node.hourly * pool.maxNodes * HOURS_PER_MONTH),
        basis:
            `${pool.minNodes > 0 ? `(${plural(pool.minNodes, "node")} × ${HOURS_PER_MONTH} h + ${hours} node-hours, ${hoursKey})` : `${hours} node-hours (${hoursKey})`}` +
            ` × (${node.basis}); ceiling ${plural(pool.maxNodes, "node")} × ${HOURS_PER_MONTH} h`,
        scalesToZero: pool.minNodes === 0,
    };
}

/** Estimates a stack's monthly cost from its validated configuration. */
export function estimateCost(config: WorkbenchConfig): CostEstimate {
    const sources = new Sources();
    const lines: CostLine[] =
        config.cloud === "existing"
            ? [fixed("Existing cluster", 0, "the cluster and any external object store are paid for outside this program")]
            : managedCloudLines(config, config.cloud, sources);
    const sum = (values: number[]) => round(values.reduce((total, value) => total + value, 0));
    return {
        currency: "USD",
        idleMonthly: sum(lines.filter((line) => !line.scalesToZero).map((line) => line.monthly)),
        typicalMonthly: sum(lines.map((line) => line.monthly)),
        ceilingMonthly: sum(lines.map((line) => line.ceilingMonthly)),
        budgetMonthly: config.budget.monthlyUsd,
        lines,
        sources: sources.list,
    };
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

/**
 * The resource types that are a budget alert (AWS Budgets, Cloud Billing budgets, Azure consumption budgets):
 * a plan holding none has no budget to print, whatever `workbench:budget` says (an existing cluster, GCP
 * without `workbench:gcp.billingAccount`).
 */
export const BUDGET_ALERT_TYPES: readonly string[] = ["aws:budgets/budget:Budget", "gcp:billing/budget:Budget", "azure-native:consumption:Budget"];
