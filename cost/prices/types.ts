/**
 * List prices the cost estimate uses, one region per cloud, USD. Every figure names its source
 * page and the date it was read; prices move, so treat the estimate as a guide and update a figure
 * here (one reviewed line) when the provider changes it.
 */

/** Hours in the average month (8760 / 12), as the providers' calculators use. */
export const HOURS_PER_MONTH = 730;

/** A price with where it comes from. */
export interface Price {
    usd: number;
    /** Unit of `usd`: per hour, or per GB-month. */
    per: "hour" | "GB-month";
    /** Page the figure was read from. */
    source: string;
    /** Month the figure was read (YYYY-MM). */
    asOf: string;
}

/** What a cloud charges for the pieces a workbench uses. */
export interface CloudPrices {
    /** Region the prices are for. */
    region: string;
    /** Managed Kubernetes control plane. */
    controlPlane: Price;
    /** Monthly credit that offsets the control-plane fee (GKE's free tier), USD. */
    controlPlaneCreditMonthly: number;
    /** On-demand price per instance type. */
    instances: Readonly<Record<string, Price>>;
    /** Spot price as a share of on-demand: an assumption (spot prices float), stated in `spotBasis`. */
    spotFactor: number;
    /** Why {@link spotFactor} has its value. */
    spotBasis: string;
    /** One public load balancer (the hub's proxy). */
    loadBalancer: Price;
    /** One public IPv4 address in use. */
    publicIpv4: Price;
    /** One NAT gateway (AWS private nodes only). */
    natGateway?: Price;
    /** Block storage for node disks and volumes. */
    blockStorage: Price;
    /** Object storage, standard class. */
    objectStorage: Price;
    /** The control plane's price per tier, where the cloud sells tiers (AKS Free/Standard/Premium); `controlPlane` otherwise. */
    controlPlaneTiers?: Readonly<Record<string, Price>>;
    /**
     * What one block-storage disk of `gib` costs a month, where the cloud bills disks by size tier rather than per GiB
     * (Azure Premium SSD: a 1 GiB disk bills as P1, 4 GiB); absent: `gib` × `blockStorage`.
     */
    diskMonthly?: (gib: number) => { usd: number; basis: string };
    /** Whether a node's boot disk of `gib` on `instanceType` costs nothing (an ephemeral OS disk on the VM's own temporary disk). */
    freeBootDisk?: (instanceType: string, gib: number) => boolean;
}

/** An hourly price. */
export const hourly = (usd: number, source: string, asOf = "2025-06"): Price => ({ usd, per: "hour", source, asOf });
/** A GB-month price. */
export const perGbMonth = (usd: number, source: string, asOf = "2025-06"): Price => ({ usd, per: "GB-month", source, asOf });
