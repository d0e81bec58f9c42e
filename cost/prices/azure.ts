import { CloudPrices, hourly, perGbMonth } from "./types";

const AZURE_VM = "https://azure.microsoft.com/pricing/details/virtual-machines/linux/ (East US, pay as you go)";

/** AZURE list prices. */
export const AZURE_PRICES: CloudPrices = {
    region: "eastus",
    controlPlane: hourly(0, "https://azure.microsoft.com/pricing/details/kubernetes-service/ (Free tier)"),
    controlPlaneCreditMonthly: 0,
    instances: {
        "Standard_B2s": hourly(0.0416, AZURE_VM),
        "Standard_B2ms": hourly(0.0832, AZURE_VM),
        "Standard_B4ms": hourly(0.166, AZURE_VM),
        "Standard_B8ms": hourly(0.333, AZURE_VM),
        "Standard_D2s_v5": hourly(0.096, AZURE_VM),
        "Standard_D4s_v5": hourly(0.192, AZURE_VM),
        "Standard_D8s_v5": hourly(0.384, AZURE_VM),
        "Standard_D16s_v5": hourly(0.768, AZURE_VM),
        "Standard_NC4as_T4_v3": hourly(0.526, AZURE_VM),
        "Standard_NV36ads_A10_v5": hourly(3.2, AZURE_VM),
        "Standard_NC24ads_A100_v4": hourly(3.673, AZURE_VM),
        "Standard_NC40ads_H100_v5": hourly(6.98, AZURE_VM),
    },
    spotFactor: 0.3,
    spotBasis: "Azure Spot VMs are up to 90% below pay-as-you-go; 30% of it assumed",
    loadBalancer: hourly(0.025, "https://azure.microsoft.com/pricing/details/load-balancer/ (Standard, first 5 rules)"),
    publicIpv4: hourly(0.005, "https://azure.microsoft.com/pricing/details/ip-addresses/ (Standard static)"),
    blockStorage: perGbMonth(0.15, "https://azure.microsoft.com/pricing/details/managed-disks/ (Premium SSD P4 32 GiB / 32)"),
    objectStorage: perGbMonth(0.0184, "https://azure.microsoft.com/pricing/details/storage/blobs/ (Hot LRS)"),
};
