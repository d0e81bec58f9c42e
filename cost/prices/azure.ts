import { osDiskTypeFor } from "../../providers/azure/os-disk";
import { CloudPrices, hourly, perGbMonth } from "./types";

/*
 * Azure list prices, East US, Linux pay-as-you-go. VM rates were read in 2026-11 from the
 * skypilot-org/skypilot-catalog Azure VM table (catalogs/v6/azure/vms.csv@098741e), which is derived
 * from the Azure Retail Prices API (https://prices.azure.com/api/retail/prices); they match the
 * virtual-machines pricing page. The sources are collected in the project's notes/aks-facts.md §4.
 */
const AZURE_VM = "https://azure.microsoft.com/pricing/details/virtual-machines/linux/ (East US, pay as you go; Azure Retail Prices API via skypilot-catalog vms.csv@098741e)";
const VM_AS_OF = "2026-11";

const AKS_PRICING = "https://azure.microsoft.com/pricing/details/kubernetes-service/ (cluster management, per cluster-hour)";

/**
 * Premium SSD (LRS) managed disks are billed by tier, the smallest at least as large as the disk (MicrosoftDocs
 * azure-docs virtual-machines/disks-understand-billing: "Premium SSD, Standard SSD, and Standard HDDs are priced
 * based on the tier they're deployed as"). USD a month, East US, from the managed-disks pricing page as copied in
 * third-party price tables (read 2026-12; the page itself renders its prices with script).
 */
export const PREMIUM_SSD_TIERS: readonly { name: string; gib: number; monthlyUsd: number }[] = [
    { name: "P1", gib: 4, monthlyUsd: 0.77 },
    { name: "P2", gib: 8, monthlyUsd: 1.54 },
    { name: "P3", gib: 16, monthlyUsd: 3.08 },
    { name: "P4", gib: 32, monthlyUsd: 5.28 },
    { name: "P6", gib: 64, monthlyUsd: 10.21 },
    { name: "P10", gib: 128, monthlyUsd: 19.71 },
    { name: "P15", gib: 256, monthlyUsd: 38.02 },
    { name: "P20", gib: 512, monthlyUsd: 73.22 },
    { name: "P30", gib: 1024, monthlyUsd: 135.17 },
    { name: "P40", gib: 2048, monthlyUsd: 259.2 },
    { name: "P50", gib: 4096, monthlyUsd: 495.43 },
];
const MANAGED_DISKS = "https://azure.microsoft.com/pricing/details/managed-disks/ (Premium SSD LRS, East US, billed by tier)";
const MANAGED_DISKS_SHORT = "azure.microsoft.com/pricing/details/managed-disks 2026-12";

/** A month of one Premium SSD of `gib`: its tier's price; past P50, P50's price per GiB. */
export function premiumSsdMonthly(gib: number): { usd: number; basis: string } {
    const tier = PREMIUM_SSD_TIERS.find((t) => t.gib >= gib);
    if (tier) return { usd: tier.monthlyUsd, basis: `billed as Premium SSD ${tier.name} (${tier.gib} GiB) at USD ${tier.monthlyUsd}/month, ${MANAGED_DISKS_SHORT}` };
    const largest = PREMIUM_SSD_TIERS[PREMIUM_SSD_TIERS.length - 1];
    const usd = (gib * largest.monthlyUsd) / largest.gib;
    return { usd, basis: `at Premium SSD ${largest.name}'s USD ${largest.monthlyUsd} per ${largest.gib} GiB, ${MANAGED_DISKS_SHORT}` };
}

/** Azure list prices. */
export const AZURE_PRICES: CloudPrices = {
    region: "eastus",
    controlPlane: hourly(0, "https://learn.microsoft.com/azure/aks/free-standard-pricing-tiers (Free tier: no cluster fee)", "2026-11"),
    // workbench:azure.tier: Standard adds the uptime SLA, Premium long-term support (AKS free-standard-pricing-tiers)
    controlPlaneTiers: {
        Free: hourly(0, "https://learn.microsoft.com/azure/aks/free-standard-pricing-tiers (Free tier: no cluster fee)", "2026-11"),
        Standard: hourly(0.1, `${AKS_PRICING}, Standard tier`, "2026-12"),
        Premium: hourly(0.6, `${AKS_PRICING}, Premium tier (Standard plus long-term support)`, "2026-12"),
    },
    controlPlaneCreditMonthly: 0,
    instances: {
        "Standard_B2s": hourly(0.0416, AZURE_VM),
        "Standard_D2as_v5": hourly(0.086, AZURE_VM, VM_AS_OF),
        "Standard_D4as_v5": hourly(0.172, AZURE_VM, VM_AS_OF),
        "Standard_D8as_v5": hourly(0.344, AZURE_VM, VM_AS_OF),
        "Standard_D16as_v5": hourly(0.688, AZURE_VM, VM_AS_OF),
        "Standard_NC4as_T4_v3": hourly(0.526, AZURE_VM, VM_AS_OF),
        "Standard_NV36ads_A10_v5": hourly(3.2, AZURE_VM, VM_AS_OF),
        "Standard_NC24ads_A100_v4": hourly(3.673, AZURE_VM, VM_AS_OF),
        "Standard_NC40ads_H100_v5": hourly(6.98, AZURE_VM, VM_AS_OF),
    },
    // the catalog's spot rates for D4as_v5 and NC4as_T4_v3 are 11-12% of on-demand; they float with demand
    spotFactor: 0.3,
    spotBasis: "Azure Spot VMs are up to 90% below pay-as-you-go (D4as_v5 and NC4as_T4_v3 about 88% below in the Retail Prices API); 30% of on-demand assumed",
    loadBalancer: hourly(0.025, "https://azure.microsoft.com/pricing/details/load-balancer/ (Standard, first 5 rules)"),
    publicIpv4: hourly(0.005, "https://azure.microsoft.com/pricing/details/ip-addresses/ (Standard static)"),
    // managed OS disks and the retained class's volumes are Premium SSD, billed by tier (diskMonthly); the per-GiB
    // figure is P4's, for whatever is not a single disk
    blockStorage: perGbMonth(0.165, `${MANAGED_DISKS}: P4 32 GiB USD 5.28 / 32`, "2026-12"),
    diskMonthly: premiumSsdMonthly,
    // an ephemeral OS disk (the T4 pool's) lives on the VM's temporary disk and is part of the VM's price
    freeBootDisk: (vmSize, gib) => osDiskTypeFor(vmSize, gib) === "Ephemeral",
    objectStorage: perGbMonth(0.0184, "https://azure.microsoft.com/pricing/details/storage/blobs/ (Hot LRS)"),
};

/**
 * Azure bandwidth, internet egress by Microsoft's network from North America/Europe: the first 100 GB a month free,
 * then about USD 0.087 per GB up to 10 TB.
 */
export const AZURE_INTERNET_EGRESS: import("./transfer").EgressPrice = {
    usd: 0.087,
    freeGBMonthly: 100,
    tierGB: 10_240,
    source: "https://azure.microsoft.com/pricing/details/bandwidth/ (internet egress, first 10 TB/month; as quoted by c3x.dev/blog/azure-egress-bandwidth-cost)",
    asOf: "2026-11",
};
