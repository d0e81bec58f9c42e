import { ResourceRequests } from "../contract";
import { EBS_CSI_CONTROLLER_REPLICAS } from "./block-storage";
import { COREDNS_REPLICAS } from "./coredns";

/*
 * What EKS's own pods request on the system node group (one node), as the add-ons' manifests set them:
 * - aws-node (VPC CNI with its network policy agent), DaemonSet: 25m CPU (aws-vpc-cni chart `resources`);
 * - kube-proxy, DaemonSet: 100m CPU (EKS's kube-proxy add-on manifest);
 * - ebs-csi-node, DaemonSet of 3 containers, and ebs-csi-controller, {@link EBS_CSI_CONTROLLER_REPLICAS}
 *   replica(s) of 6 containers: the aws-ebs-csi-driver chart requests 10m/40Mi for the plugin container;
 *   every sidecar is counted at the same figure, so the fit check errs on the safe side;
 * - CoreDNS, {@link COREDNS_REPLICAS} replica(s): 100m CPU, 70Mi (EKS's CoreDNS add-on manifest).
 * No pod identity agent, metrics server or node monitoring agent is installed (IRSA needs none).
 */

/** Containers of the EBS CSI node DaemonSet pod: ebs-plugin, node-driver-registrar, liveness-probe. */
const EBS_NODE_CONTAINERS = 3;
/** Containers of an EBS CSI controller pod: ebs-plugin, provisioner, attacher, snapshotter, resizer, liveness-probe. */
const EBS_CONTROLLER_CONTAINERS = 6;
/** What the chart requests per EBS CSI container. */
const EBS_CONTAINER = { cpuMillis: 10, memoryMiB: 40 };

/** What EKS's own pods request on the system node group, all together. */
export const EKS_SYSTEM_AGENTS: ResourceRequests = {
    cpuMillis:
        25 + 100 + EBS_NODE_CONTAINERS * EBS_CONTAINER.cpuMillis + EBS_CSI_CONTROLLER_REPLICAS * EBS_CONTROLLER_CONTAINERS * EBS_CONTAINER.cpuMillis + COREDNS_REPLICAS * 100,
    memoryMiB: EBS_NODE_CONTAINERS * EBS_CONTAINER.memoryMiB + EBS_CSI_CONTROLLER_REPLICAS * EBS_CONTROLLER_CONTAINERS * EBS_CONTAINER.memoryMiB + COREDNS_REPLICAS * 70,
    // aws-node, kube-proxy, ebs-csi-node, the controller replicas, the CoreDNS replicas
    pods: 3 + EBS_CSI_CONTROLLER_REPLICAS + COREDNS_REPLICAS,
};
