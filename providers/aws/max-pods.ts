import { EC2_SHAPES } from "./instance-shapes";

/*
 * How many pods an EKS managed node holds, and what its kubelet reserves for them, with the VPC CNI.
 *
 * - Without prefix delegation each pod takes one secondary IPv4 address of the node's ENIs: ENIs × (IPv4 addresses
 *   per ENI − 1) + 2 (the primary address of each ENI is the ENI's own; the 2 are host-network pods, aws-node and
 *   kube-proxy). This is nodeadm's standard figure (awslabs/amazon-eks-ami nodeadm/internal/kubelet/eni_max_pods.go,
 *   calculateStandardMaxPods) and eni-max-pods.txt's.
 * - With prefix delegation (`ENABLE_PREFIX_DELEGATION`, VPC CNI 1.9.0+) each of those address slots holds a /28
 *   prefix of 16 addresses instead: ENIs × ((IPv4 addresses per ENI − 1) × 16) + 2, on Nitro instances only; other
 *   instances keep assigning single addresses (amazon-eks-ami templates/al2/runtime/max-pods-calculator.sh,
 *   calculate_max_ip_addresses_prefix_delegation, removed with AL2 in b2289030; EKS user guide "Increase the
 *   available IP addresses for your Amazon EKS node": "Instances that aren't Nitro-based continue to allocate
 *   individual secondary IP addresses").
 * - Either figure is capped as managed node groups cap max-pods: 110 below 30 vCPUs, 250 from 30 ("This maximum
 *   number is applied whether prefix delegation is enabled or not", same page). A managed node group without a
 *   custom AMI computes the figure itself when it launches a node, from the VPC CNI's configuration at that moment,
 *   and writes it into the node's user data (EKS user guide, choosing-instance-type "How maxPods is determined":
 *   managed node group enforcement takes precedence over every other maxPods setting).
 * - The kubelet's kube-reserved memory (255 MiB + 11 MiB a pod) is computed by nodeadm from ITS OWN standard
 *   figure, not from the max-pods the node group writes: the node group's value reaches the kubelet as a drop-in
 *   (`spec.kubelet.config.maxPods`) after nodeadm has computed the reservation (nodeadm/internal/kubelet/config.go,
 *   withDefaultReservedResources; e2e case custom-max-pods-expression/scenarios/kubelet-config-max-pods: a drop-in
 *   maxPods of 1 leaves kubeReserved at 11 × 60 + 255). So prefix delegation raises a node's pod slots and leaves its
 *   allocatable memory where it was.
 */

/** An instance type's network limits as EC2 describes them (DescribeInstanceTypes), which the VPC CNI reads. */
export interface EniLimits {
    /** Network interfaces on the default network card (NetworkCards[DefaultNetworkCardIndex].MaximumNetworkInterfaces). */
    enis: number;
    /** IPv4 addresses per network interface, its primary address included (NetworkInfo.Ipv4AddressesPerInterface). */
    ipv4PerEni: number;
    /** Built on the Nitro System (Hypervisor "nitro"): only these take /28 prefixes on their interfaces. */
    nitro: boolean;
}

/**
 * Every type the catalog or the shapes table uses (test/aws-review.test.ts holds it to both), as the VPC CNI's
 * generated table lists them (aws/amazon-vpc-cni-k8s pkg/vpc/vpc_ip_resource_limit.go at b5218838, "Code generated
 * by go generate" from DescribeInstanceTypes: ENILimit, IPv4Limit, HypervisorType) and nodeadm's instance-info.jsonl
 * (awslabs/amazon-eks-ami 81fec2e8: defaultMaxENIs, ipv4AddressesPerInterface) agree. A type not listed counts as 17
 * pods, the smallest figure here, so a fit check never over-promises.
 */
const ENI_LIMITS: Readonly<Record<string, EniLimits>> = {
    "t3a.medium": { enis: 3, ipv4PerEni: 6, nitro: true },
    "t3.medium": { enis: 3, ipv4PerEni: 6, nitro: true },
    "t4g.medium": { enis: 3, ipv4PerEni: 6, nitro: true },
    "t3a.large": { enis: 3, ipv4PerEni: 12, nitro: true },
    "t3.large": { enis: 3, ipv4PerEni: 12, nitro: true },
    "t4g.large": { enis: 3, ipv4PerEni: 12, nitro: true },
    "t3a.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "t3.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "t4g.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "t3a.2xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "t3.2xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "t4g.2xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "c6a.large": { enis: 3, ipv4PerEni: 10, nitro: true },
    "c6i.large": { enis: 3, ipv4PerEni: 10, nitro: true },
    "c5a.large": { enis: 3, ipv4PerEni: 10, nitro: true },
    "c5.large": { enis: 3, ipv4PerEni: 10, nitro: true },
    "m6a.large": { enis: 3, ipv4PerEni: 10, nitro: true },
    "m6i.large": { enis: 3, ipv4PerEni: 10, nitro: true },
    "m5a.large": { enis: 3, ipv4PerEni: 10, nitro: true },
    "m5.large": { enis: 3, ipv4PerEni: 10, nitro: true },
    "m6a.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m6i.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m5a.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m5.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m7g.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m6g.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m6a.2xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m6i.2xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m5a.2xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m5.2xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "m6a.4xlarge": { enis: 8, ipv4PerEni: 30, nitro: true },
    "m6i.4xlarge": { enis: 8, ipv4PerEni: 30, nitro: true },
    "m5a.4xlarge": { enis: 8, ipv4PerEni: 30, nitro: true },
    "m5.4xlarge": { enis: 8, ipv4PerEni: 30, nitro: true },
    "g4dn.xlarge": { enis: 3, ipv4PerEni: 10, nitro: true },
    "g4dn.2xlarge": { enis: 3, ipv4PerEni: 10, nitro: true },
    "g5.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "g5.2xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "g6.xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    "g6.2xlarge": { enis: 4, ipv4PerEni: 15, nitro: true },
    // four network cards of 15 interfaces each; pods use the default card's (the VPC CNI's DefaultNetworkCardIndex)
    "p4d.24xlarge": { enis: 15, ipv4PerEni: 50, nitro: true },
    "p5.4xlarge": { enis: 4, ipv4PerEni: 30, nitro: true },
};

/** Addresses in one IPv4 prefix the VPC CNI assigns to an ENI slot (a /28). */
export const IPS_PER_PREFIX = 16;

/** What a type not in the table counts as: the smallest figure of the table, so nothing is over-promised. */
const UNKNOWN_TYPE_PODS = 17;

/** The network limits of a type the table lists. */
export function eniLimitsOf(instanceType: string): EniLimits | undefined {
    return ENI_LIMITS[instanceType];
}

/** Whether the table knows the type (a type it does not know counts as {@link UNKNOWN_TYPE_PODS} pods). */
export function knowsMaxPods(instanceType: string): boolean {
    return ENI_LIMITS[instanceType] !== undefined;
}

/** Pods by single secondary addresses, uncapped: ENIs × (IPv4 per ENI − 1) + 2 (nodeadm's standard figure). */
export function secondaryAddressPods(limits: EniLimits): number {
    return limits.enis * (limits.ipv4PerEni - 1) + 2;
}

/**
 * Pods by /28 prefixes, uncapped: ENIs × ((IPv4 per ENI − 1) × 16) + 2 on a Nitro instance; a non-Nitro one keeps
 * single addresses, so its figure stays {@link secondaryAddressPods} (as max-pods-calculator.sh computes it).
 */
export function prefixPods(limits: EniLimits): number {
    return limits.nitro ? limits.enis * ((limits.ipv4PerEni - 1) * IPS_PER_PREFIX) + 2 : secondaryAddressPods(limits);
}

/**
 * Managed node groups cap max-pods whatever the ENIs allow: 110 on instances with fewer than 30 vCPUs, 250 on
 * the others (EKS user guide, "Increase the available IP addresses for your Amazon EKS node"). The retired
 * calculator script raised the cap only above 30 (`CPU_COUNT -gt 30`); no type of the catalog has exactly 30.
 */
export function managedNodeGroupCap(vcpu: number): number {
    return vcpu < 30 ? 110 : 250;
}

/**
 * Pods one node of the type holds in a managed node group, with or without prefix delegation; 17 for a type the
 * table does not list.
 */
export function maxPodsOfType(instanceType: string, prefixDelegation: boolean): number {
    const limits = ENI_LIMITS[instanceType];
    const vcpu = EC2_SHAPES[instanceType]?.[0];
    if (limits === undefined || vcpu === undefined) return UNKNOWN_TYPE_PODS;
    return Math.min(prefixDelegation ? prefixPods(limits) : secondaryAddressPods(limits), managedNodeGroupCap(vcpu));
}

/** The fewest pods any of a node group's instance types can hold. */
export function maxPodsOf(instanceTypes: readonly string[], prefixDelegation: boolean): number {
    return Math.min(...instanceTypes.map((type) => maxPodsOfType(type, prefixDelegation)));
}

/**
 * The pod count the kubelet's kube-reserved memory is computed for on a node group's nodes: nodeadm's standard
 * figure (single addresses, uncapped) whatever the VPC CNI's mode, the largest of the group's types so the memory
 * left to pods is never overstated; 17 for a type the table does not list.
 */
export function kubeReservedPodsOf(instanceTypes: readonly string[]): number {
    return Math.max(...instanceTypes.map((type) => {
        const limits = ENI_LIMITS[type];
        return limits ? secondaryAddressPods(limits) : UNKNOWN_TYPE_PODS;
    }));
}
