import { ResourceRequests } from "../contract";

/**
 * What EKS's own pods request on the system node group (one node): the VPC CNI (`aws-node`, with its
 * network policy agent) and kube-proxy as DaemonSets, the EBS CSI node DaemonSet and its two-replica
 * controller, and CoreDNS's two replicas. Requests as the add-ons' default manifests set them.
 */
export const EKS_SYSTEM_AGENTS: ResourceRequests = {
    // aws-node 25m, kube-proxy 100m, ebs-csi-node 3×10m, ebs-csi-controller 2×(6×10m), coredns 2×100m
    cpuMillis: 25 + 100 + 30 + 120 + 200,
    // ebs-csi-node 3×40Mi, ebs-csi-controller 2×(6×40Mi), coredns 2×70Mi
    memoryMiB: 120 + 480 + 140,
    pods: 1 + 1 + 1 + 2 + 2,
};
