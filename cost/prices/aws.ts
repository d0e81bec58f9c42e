import { CloudPrices, hourly, perGbMonth } from "./types";

const AWS_EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/ (us-east-1, Linux)";

/** AWS list prices. */
export const AWS_PRICES: CloudPrices = {
    region: "us-east-1",
    controlPlane: hourly(0.1, "https://aws.amazon.com/eks/pricing/ (standard support)"),
    controlPlaneCreditMonthly: 0,
    instances: {
        "t3a.medium": hourly(0.0376, AWS_EC2),
        "t3.medium": hourly(0.0416, AWS_EC2),
        // Graviton: a system pool may choose it (workbench:aws.systemInstanceTypes); every system image is multi-arch (docs/aws.md)
        "t4g.medium": hourly(0.0336, AWS_EC2),
        "t4g.large": hourly(0.0672, AWS_EC2),
        "t3a.large": hourly(0.0752, AWS_EC2),
        "t3.large": hourly(0.0832, AWS_EC2),
        "t3a.xlarge": hourly(0.1504, AWS_EC2),
        "t3.xlarge": hourly(0.1664, AWS_EC2),
        "t3a.2xlarge": hourly(0.3008, AWS_EC2),
        "t3.2xlarge": hourly(0.3328, AWS_EC2),
        "c6a.large": hourly(0.0765, AWS_EC2),
        "c6i.large": hourly(0.085, AWS_EC2),
        "c5a.large": hourly(0.077, AWS_EC2),
        "c5.large": hourly(0.085, AWS_EC2),
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
        // one H100 at the per-GPU rate of p5.48xlarge after the June 2025 price cut (USD 55.04/h ÷ 8)
        "p5.4xlarge": hourly(6.88, AWS_EC2, "2025-08"),
    },
    spotFactor: 0.35,
    spotBasis: "spot typically 60-70% below on-demand for these families (AWS Spot Instance Advisor); 35% of on-demand assumed",
    loadBalancer: hourly(0.0225, "https://aws.amazon.com/elasticloadbalancing/pricing/ (Network Load Balancer, excl. LCU)"),
    publicIpv4: hourly(0.005, "https://aws.amazon.com/vpc/pricing/ (public IPv4 address)"),
    natGateway: hourly(0.045, "https://aws.amazon.com/vpc/pricing/ (NAT gateway, excl. data)"),
    blockStorage: perGbMonth(0.08, "https://aws.amazon.com/ebs/pricing/ (gp3)"),
    objectStorage: perGbMonth(0.023, "https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB)"),
};

/**
 * What a NAT gateway bills per GB it processes (on top of its hourly rate): with private nodes, every image a
 * node pulls from a public registry (Docker Hub, quay.io) goes through it; ECR and S3 use the free gateway endpoint.
 */
export const AWS_NAT_DATA_PER_GB = { usd: 0.045, source: "https://aws.amazon.com/vpc/pricing/ (NAT gateway, per GB data processed, us-east-1)" } as const;

/**
 * Data transfer out of AWS to the internet (S3 and EC2 alike), us-east-1: the first 100 GB a month free across the
 * account's services, then USD 0.09 per GB up to 10 TB. What a move off AWS pays per GB.
 */
export const AWS_INTERNET_EGRESS: import("./transfer").EgressPrice = {
    usd: 0.09,
    freeGBMonthly: 100,
    tierGB: 10_240,
    source: "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer (Data Transfer OUT to Internet, up to 10 TB/month; as tabled by wring.co/blog/aws-data-transfer-pricing-guide, 2026)",
    asOf: "2026-11",
};
