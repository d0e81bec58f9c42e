import { EC2_SHAPES } from "./instance-shapes";

/**
 * Pods an EC2 node can hold with the VPC CNI (no prefix delegation): ENIs × (IPv4 addresses per ENI − 1) + 2,
 * as EKS's AMIs compute the kubelet's max-pods (awslabs/amazon-eks-ami nodeadm/internal/kubelet/instance-info.jsonl
 * and eni_max_pods.go). Every type the catalog or the shapes table uses (test/aws-review.test.ts holds it to
 * EC2_SHAPES); an unknown type counts as the smallest figure here, so a fit check never over-promises.
 */
const ENI_MAX_PODS: Readonly<Record<string, number>> = {
    "t3a.medium": 17, "t3.medium": 17, "t4g.medium": 17,
    "t4g.large": 35,
    "c6a.large": 29, "c6i.large": 29, "c5a.large": 29, "c5.large": 29,
    "t3a.large": 35, "t3.large": 35,
    "t3a.xlarge": 58, "t3.xlarge": 58, "t4g.xlarge": 58,
    "t3a.2xlarge": 58, "t3.2xlarge": 58, "t4g.2xlarge": 58,
    "m6a.large": 29, "m6i.large": 29, "m5a.large": 29, "m5.large": 29,
    "m6a.xlarge": 58, "m6i.xlarge": 58, "m5a.xlarge": 58, "m5.xlarge": 58, "m7g.xlarge": 58, "m6g.xlarge": 58,
    "m6a.2xlarge": 58, "m6i.2xlarge": 58, "m5a.2xlarge": 58, "m5.2xlarge": 58,
    "m6a.4xlarge": 234, "m6i.4xlarge": 234, "m5a.4xlarge": 234, "m5.4xlarge": 234,
    "g4dn.xlarge": 29, "g4dn.2xlarge": 29,
    "g5.xlarge": 58, "g5.2xlarge": 58,
    "g6.xlarge": 58, "g6.2xlarge": 58,
    "p4d.24xlarge": 737,
    // 4 ENIs × 30 addresses (instance-info.jsonl): 4 × 29 + 2
    "p5.4xlarge": 118,
};

/**
 * Managed node groups cap max-pods whatever the ENIs allow: 110 on instances with fewer than 30 vCPUs, 250 on
 * the others (EKS user guide, "Amazon EKS recommended maximum Pods for each Amazon EC2 instance type").
 */
export function managedNodeGroupCap(vcpu: number): number {
    return vcpu < 30 ? 110 : 250;
}

/** Pods one node of the type holds in a managed node group; 17 (the smallest) for a type not listed. */
export function maxPodsOfType(instanceType: string): number {
    const eni = ENI_MAX_PODS[instanceType];
    const vcpu = EC2_SHAPES[instanceType]?.[0];
    if (eni === undefined || vcpu === undefined) return 17;
    return Math.min(eni, managedNodeGroupCap(vcpu));
}

/** Whether the table knows the type (a type it does not know counts as 17 pods). */
export function knowsMaxPods(instanceType: string): boolean {
    return ENI_MAX_PODS[instanceType] !== undefined;
}

/** The fewest pods any of a node group's instance types can hold. */
export function maxPodsOf(instanceTypes: readonly string[]): number {
    return Math.min(...instanceTypes.map(maxPodsOfType));
}
