import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "./context";

/**
 * CoreDNS replicas. One: the system pool is a single always-on node, so a second replica on the same node
 * adds no availability but takes one of its few pod slots (17 on a t3a.medium with the VPC CNI). DNS is
 * briefly unavailable while that node is replaced (a node group update), which a personal workbench accepts.
 * The CoreDNS add-on's configuration schema accepts `replicaCount` (as kubernetes-sigs/aws-ebs-csi-driver#2068 notes).
 */
export const COREDNS_REPLICAS = 1;

/**
 * CoreDNS as an EKS add-on. pulumi-eks creates the add-on only together with its default node group, which
 * the workbench skips; without it the cluster keeps the unmanaged CoreDNS Deployment EKS bootstraps, which
 * no EKS upgrade ever updates. The add-on becomes healthy only once its pods run, so it waits for the
 * system node group; OVERWRITE adopts the bootstrap Deployment's fields on creation.
 */
export function coreDnsAddon(
    name: string,
    args: { context: AwsContext; systemNodes: pulumi.Resource },
    parent: pulumi.Resource,
): aws.eks.Addon {
    const { context } = args;
    return new aws.eks.Addon(
        `${name}-coredns`,
        {
            clusterName: context.clusterName,
            addonName: "coredns",
            configurationValues: JSON.stringify({ replicaCount: COREDNS_REPLICAS }),
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: context.tags,
        },
        { parent, dependsOn: [args.systemNodes] },
    );
}
