import { ManagedCloud } from "../providers/catalog";

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
}

const AWS_EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/ (us-east-1, Linux)";
const GCP_VM = "https://cloud.google.com/compute/vm-instance-pricing (us-central1)";
const GCP_GPU = "https://cloud.google.com/compute/gpus-pricing (us-central1)";
const AZURE_VM = "https://azure.microsoft.com/pricing/details/virtual-machines/linux/ (East US, pay as you go)";

const hourly = (usd: number, source: string, asOf = "2025-06"): Price => ({ usd, per: "hour", source, asOf });
const perGbMonth = (usd: number, source: string, asOf = "2025-06"): Price => ({ usd, per: "GB-month", source, asOf });

/** Prices per managed cloud. */
export const PRICES: Readonly<Record<ManagedCloud, CloudPrices>> = {
    aws: {
        region: "us-east-1",
        controlPlane: hourly(0.1, "https://aws.amazon.com/eks/pricing/ (standard support)"),
        controlPlaneCreditMonthly: 0,
        instances: {
            "t3a.large": hourly(0.0752, AWS_EC2),
            "t3.large": hourly(0.0832, AWS_EC2),
            "t3a.xlarge": hourly(0.1504, AWS_EC2),
            "t3.xlarge": hourly(0.1664, AWS_EC2),
            "t3a.2xlarge": hourly(0.3008, AWS_EC2),
            "t3.2xlarge": hourly(0.3328, AWS_EC2),
            "m6a.large": hourly(0.0864, AWS_EC2),
            "m6i.large": hourly(0.096, AWS_EC2),
            "m5a.large": hourly(0.086, AWS_EC2),
            "m5.large": hourly(0.096, AWS_EC2),
            "m6a.xlarge": hourly(0.1728, AWS_EC2),
            "m6i.xlarge": hourly(0.192, AWS_EC2),
            "m5a.xlarge": hourly(0.172, AWS_EC2),
            "m5.xlarge": hourly(0.192, AWS_EC2),
            "m6a.2xlarge": hourly(0.3456, AWS_EC2),
            "m6i.2xlarge": hourly(0.384, AWS_EC2),
            "m5a.2xlarge": hourly(0.344, AWS_EC2),
            "m5.2xlarge": hourly(0.384, AWS_EC2),
            "m6a.4xlarge": hourly(0.6912, AWS_EC2),
            "m6i.4xlarge": hourly(0.768, AWS_EC2),
            "m5a.4xlarge": hourly(0.688, AWS_EC2),
            "m5.4xlarge": hourly(0.768, AWS_EC2),
            "g4dn.xlarge": hourly(0.526, AWS_EC2),
            "g4dn.2xlarge": hourly(0.752, AWS_EC2),
            "g6.xlarge": hourly(0.8048, AWS_EC2),
            "g6.2xlarge": hourly(0.9776, AWS_EC2),
            "g5.xlarge": hourly(1.006, AWS_EC2),
            "g5.2xlarge": hourly(1.212, AWS_EC2),
            "p4d.24xlarge": hourly(21.96, AWS_EC2, "2025-07"),
            "p5.4xlarge": hourly(4.326, AWS_EC2, "2025-08"),
        },
        spotFactor: 0.35,
        spotBasis: "spot typically 60-70% below on-demand for these families (AWS Spot Instance Advisor); 35% of on-demand assumed",
        loadBalancer: hourly(0.0225, "https://aws.amazon.com/elasticloadbalancing/pricing/ (Network Load Balancer, excl. LCU)"),
        publicIpv4: hourly(0.005, "https://aws.amazon.com/vpc/pricing/ (public IPv4 address)"),
        natGateway: hourly(0.045, "https://aws.amazon.com/vpc/pricing/ (NAT gateway, excl. data)"),
        blockStorage: perGbMonth(0.08, "https://aws.amazon.com/ebs/pricing/ (gp3)"),
        objectStorage: perGbMonth(0.023, "https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB)"),
    },
    gcp: {
        region: "us-central1",
        controlPlane: hourly(0.1, "https://cloud.google.com/kubernetes-engine/pricing (cluster management fee)"),
        controlPlaneCreditMonthly: 74.4,
        instances: {
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
    },
    azure: {
        region: "eastus",
        controlPlane: hourly(0, "https://azure.microsoft.com/pricing/details/kubernetes-service/ (Free tier)"),
        controlPlaneCreditMonthly: 0,
        instances: {
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
    },
};
