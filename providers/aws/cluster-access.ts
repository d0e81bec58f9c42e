import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "./context";

/*
 * Who may administer the cluster besides the principal that ran `pulumi up`. The cluster uses access
 * entries (authentication mode API): EKS makes the creator an admin itself; everyone else needs an access
 * entry and an access policy association. The kubeconfig authenticates with `aws eks get-token`, i.e. as
 * whoever the local AWS credentials name, so a teammate or a CI role listed here uses the same kubeconfig.
 */

/** EKS's managed access policy that grants cluster-admin on every namespace. */
export const CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";

/** The ARN of an EKS managed access policy in a partition. */
export function accessPolicyArn(partition: string, policy: string): string {
    return `arn:${partition}:eks::aws:cluster-access-policy/${policy}`;
}

/** A resource-name-safe suffix for a principal: its kind and name, e.g. `role-ci-deployer`. */
export function principalSlug(principalArn: string): string {
    const [, resource = principalArn] = principalArn.split(":iam::")[1]?.split(":") ?? [];
    return resource.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
}

/**
 * An access entry (type STANDARD) and a cluster-scoped association of {@link CLUSTER_ADMIN_POLICY} for
 * each principal of `workbench:aws.clusterAdmins`, once the cluster exists.
 */
export function clusterAdmins(
    name: string,
    args: { context: AwsContext; principalArns: readonly string[]; cluster: pulumi.Resource },
    parent: pulumi.Resource,
): { entry: aws.eks.AccessEntry; association: aws.eks.AccessPolicyAssociation }[] {
    const { context } = args;
    return args.principalArns.map((principalArn) => {
        const resourceName = `${name}-${principalSlug(principalArn)}`;
        const entry = new aws.eks.AccessEntry(
            resourceName,
            { clusterName: context.clusterName, principalArn, type: "STANDARD", tags: context.tags },
            { parent, dependsOn: [args.cluster] },
        );
        const association = new aws.eks.AccessPolicyAssociation(
            resourceName,
            {
                clusterName: context.clusterName,
                principalArn: entry.principalArn,
                policyArn: accessPolicyArn(context.partition, CLUSTER_ADMIN_POLICY),
                accessScope: { type: "cluster" },
            },
            { parent, dependsOn: [entry] },
        );
        return { entry, association };
    });
}
