import { CloudPrices, hourly, perGbMonth } from "./types";

/**
 * Machine prices: Cloud Billing Catalog SKUs for us-central1 as compiled by Cyclenerd/google-cloud-pricing-cost-calculator
 * (pricing.yml@fd66b26, generated 2026-07-30), quoted in notes/gke-facts.md §4. E2 machines get no sustained-use
 * discount; N1/N2 do, which the estimate leaves out (it overstates them for always-on use, not for pools from zero).
 */
const SKUS = "https://cloud.google.com/compute/vm-instance-pricing (us-central1; Cloud Billing Catalog SKUs as compiled in Cyclenerd/google-cloud-pricing-cost-calculator pricing.yml, generated 2026-07-30)";
const AS_OF = "2026-07";

/** GCP list prices, us-central1. */
export const GCP_PRICES: CloudPrices = {
    region: "us-central1",
    controlPlane: hourly(0.1, "https://cloud.google.com/kubernetes-engine/pricing (cluster management fee)", AS_OF),
    // USD 74.40 a month per billing account, for zonal and Autopilot clusters only (GKE pricing, free tier)
    controlPlaneCreditMonthly: 74.4,
    instances: {
        "e2-medium": hourly(0.03351, SKUS, AS_OF),
        "e2-standard-2": hourly(0.06701, SKUS, AS_OF),
        "e2-standard-4": hourly(0.13402, SKUS, AS_OF),
        "e2-standard-8": hourly(0.26805, SKUS, AS_OF),
        "e2-standard-16": hourly(0.53609, SKUS, AS_OF),
        // the host from the SKUs; the T4 at USD 0.35/h as commonly quoted (https://cloud.google.com/compute/gpus-pricing), not in a stored source
        "n1-standard-4": hourly(0.19 + 0.35, `${SKUS} (n1-standard-4) + 1 × T4 at USD 0.35/h (https://cloud.google.com/compute/gpus-pricing, unverified)`, AS_OF),
        "g2-standard-4": hourly(0.70683, `${SKUS} (1 × L4 included)`, AS_OF),
        "a2-highgpu-1g": hourly(3.67339, `${SKUS} (1 × A100 40GB included)`, AS_OF),
        "a3-highgpu-1g": hourly(11.06125, `${SKUS} (1 × H100 80GB included)`, AS_OF),
    },
    // the largest spot/on-demand ratio of the machines above (E2 0.60, G2 0.56, A3 0.57, A2 0.52, N1 host 0.35)
    spotFactor: 0.6,
    spotBasis: "GCP Spot prices float (they may change daily); 0.6 is the highest spot/on-demand ratio among these machines in the 2026-07-30 SKUs, so the estimate does not understate",
    loadBalancer: hourly(0.025, "https://cloud.google.com/load-balancing/pricing (external passthrough NLB forwarding rule, first 5)", AS_OF),
    publicIpv4: hourly(0.005, "https://cloud.google.com/vpc/network-pricing (external IPv4 in use)", AS_OF),
    blockStorage: perGbMonth(0.1, "https://cloud.google.com/compute/disks-image-pricing (balanced PD)", AS_OF),
    objectStorage: perGbMonth(0.02, "https://cloud.google.com/storage/pricing (Standard, us-central1)", AS_OF),
};

/**
 * Cloud Storage network usage, data transfer out to the internet (Americas and EMEA, first 1 TB): USD 0.12 per GB,
 * the figure Google's own pricing example uses. The free allowance (Always Free, North America only) is left out.
 */
export const GCP_INTERNET_EGRESS: import("./transfer").EgressPrice = {
    usd: 0.12,
    freeGBMonthly: 0,
    tierGB: 1_024,
    source: "https://cloud.google.com/storage/pricing#network-pricing (the worked example on https://cloud.google.com/storage/pricing-examples: 1 GB outbound data transfer × USD 0.12)",
    asOf: "2026-11",
};
