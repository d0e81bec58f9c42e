import { CloudPrices, hourly, perGbMonth } from "./types";

const GCP_VM = "https://cloud.google.com/compute/vm-instance-pricing (us-central1)";
const GCP_GPU = "https://cloud.google.com/compute/gpus-pricing (us-central1)";

/** GCP list prices. */
export const GCP_PRICES: CloudPrices = {
    region: "us-central1",
    controlPlane: hourly(0.1, "https://cloud.google.com/kubernetes-engine/pricing (cluster management fee)"),
    controlPlaneCreditMonthly: 74.4,
    instances: {
        "e2-medium": hourly(0.033503, GCP_VM),
        "e2-standard-2": hourly(0.067, GCP_VM),
        "e2-standard-4": hourly(0.134, GCP_VM),
        "e2-standard-8": hourly(0.268, GCP_VM),
        "e2-standard-16": hourly(0.536, GCP_VM),
        "n1-standard-4": hourly(0.19 + 0.35, `${GCP_VM}; ${GCP_GPU} (n1-standard-4 + 1 T4)`),
        "g2-standard-4": hourly(0.7069, GCP_GPU),
        "a2-highgpu-1g": hourly(3.6731, GCP_GPU),
        "a3-highgpu-1g": hourly(11.06, GCP_GPU),
    },
    spotFactor: 0.3,
    spotBasis: "Spot VMs are 60-91% below on-demand (GCP Spot VM pricing); 30% of on-demand assumed",
    loadBalancer: hourly(0.025, "https://cloud.google.com/vpc/network-pricing (forwarding rule)"),
    publicIpv4: hourly(0.005, "https://cloud.google.com/vpc/network-pricing (external IPv4 in use)"),
    blockStorage: perGbMonth(0.1, "https://cloud.google.com/compute/disks-image-pricing (balanced PD)"),
    objectStorage: perGbMonth(0.02, "https://cloud.google.com/storage/pricing (Standard, us-central1)"),
};
