/**
 * Pods an EC2 node can hold with the VPC CNI (no prefix delegation): ENIs × (IPv4 addresses per ENI − 1) + 2,
 * as EKS's AMIs set the kubelet's max-pods (amazon-eks-ami `eni-max-pods.txt`). Only the types the
 * catalog uses; an unknown type counts as the smallest figure here, so a fit check never over-promises.
 */
const MAX_PODS: Readonly<Record<string, number>> = {
    "t3a.medium": 17, "t3.medium": 17, "t4g.medium": 17,
    "t4g.large": 35,
    "c6a.large": 29, "c6i.large": 29, "c5a.large": 29, "c5.large": 29,
    "t3a.large": 35, "t3.large": 35,
    "t3a.xlarge": 58, "t3.xlarge": 58,
    "t3a.2xlarge": 58, "t3.2xlarge": 58,
    "m6a.large": 29, "m6i.large": 29, "m5a.large": 29, "m5.large": 29,
    "m6a.xlarge": 58, "m6i.xlarge": 58, "m5a.xlarge": 58, "m5.xlarge": 58,
    "m6a.2xlarge": 58, "m6i.2xlarge": 58, "m5a.2xlarge": 58, "m5.2xlarge": 58,
    "m6a.4xlarge": 234, "m6i.4xlarge": 234, "m5a.4xlarge": 234, "m5.4xlarge": 234,
    "g4dn.xlarge": 29, "g4dn.2xlarge": 29,
    "g5.xlarge": 58, "g5.2xlarge": 58,
    "g6.xlarge": 58, "g6.2xlarge": 58,
    "p4d.24xlarge": 737,
};

/** The fewest pods any of a node group's instance types can hold. */
export function maxPodsOf(instanceTypes: readonly string[]): number {
    return Math.min(...instanceTypes.map((type) => MAX_PODS[type] ?? 17));
}
