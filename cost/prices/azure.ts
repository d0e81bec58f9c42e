import { CloudPrices, hourly, perGbMonth } from "./types";

/*
 * Azure list prices, East US, Linux pay-as-you-go. VM rates were read in 2026-11 from the
 * skypilot-org/skypilot-catalog Azure VM table (catalogs/v6/azure/vms.csv@098741e), which is derived
 * from the Azure Retail Prices API (https://prices.azure.com/api/retail/prices); they match the
 * virtual-machines pricing page. The sources are collected in the project's notes/aks-facts.md §4.
 */
const AZURE_VM = "https://azure.microsoft.com/pricing/details/virtual-machines/linux/ (East US, pay as you go; Azure Retail Prices API via skypilot-catalog vms.csv@098741e)";
const VM_AS_OF = "2026-11";

/** Azure list prices. */
export const AZURE_PRICES: CloudPrices = {
    region: "eastus",
    controlPlane: hourly(0, "https://learn.microsoft.com/azure/aks/free-standard-pricing-tiers (Free tier: no cluster fee)", "2026-11"),
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
    // managed OS disks and the retained class's volumes are Premium SSD; an ephemeral OS disk (GPU pools) costs nothing
    blockStorage: perGbMonth(0.15, "https://azure.microsoft.com/pricing/details/managed-disks/ (Premium SSD P4 32 GiB / 32)"),
    objectStorage: perGbMonth(0.0184, "https://azure.microsoft.com/pricing/details/storage/blobs/ (Hot LRS)"),
};
