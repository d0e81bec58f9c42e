import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem } from "../../stacks/errors";
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
 * The IAM principal behind the caller's ARN, as access entries name it: an assumed role's session
 * (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) is its role; a user is itself.
 */
export function callerPrincipal(callerArn: string): { account: string; kind: "role" | "user"; name: string } | undefined {
    const assumed = /^arn:[a-z-]+:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
    if (assumed) return { account: assumed[1], kind: "role", name: assumed[2] };
    const user = /^arn:[a-z-]+:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(callerArn);
    return user ? { account: user[1], kind: "user", name: user[2] } : undefined;
}

/**
 * The entry of `workbench:aws.clusterAdmins` that names the principal running Pulumi: EKS gives the cluster's
 * creator an access entry itself and refuses a second one for the same principal, halfway through `pulumi up`.
 */
export function creatorListedProblems(principalArns: readonly string[], callerArn: string): ConfigProblem[] {
    const caller = callerPrincipal(callerArn);
    if (!caller) return [];
    return principalArns.flatMap((arn, i) => {
        const match = /^arn:[a-z-]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn);
        const same = match && match[1] === caller.account && match[2] === caller.kind && match[3] === caller.name;
        return same
            ? [{ key: `workbench:aws.clusterAdmins[${i}]`, given: arn, allowed: `this is the principal running Pulumi (${callerArn}), which EKS makes a cluster admin itself; remove it from the list` }]
            : [];
    });
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
