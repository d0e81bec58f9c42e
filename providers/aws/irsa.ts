import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ServiceAccountRef } from "../contract";

/*
 * IAM roles for Kubernetes ServiceAccounts (IRSA): the cluster's OIDC issuer signs a token for a pod's
 * ServiceAccount, and STS trades it for the role's credentials when the role's trust policy names that
 * exact ServiceAccount. Policies are built as plain objects (no getPolicyDocument invokes), so the plan
 * shows them as they will be sent.
 */

/** The audience EKS's pod identity webhook requests tokens for. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** The ServiceAccount annotation that makes EKS inject a role's web identity into a pod. */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";

/** The cluster's OpenID Connect identity provider, as IAM knows it. */
export interface OidcProvider {
    /** ARN of the IAM OIDC provider. */
    arn: pulumi.Input<string>;
    /** The issuer without `https://`, e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC…`: the prefix of the condition keys. */
    issuer: pulumi.Input<string>;
}

/** One statement of an IAM policy document. */
export interface PolicyStatement {
    /** Statement id, naming what the statement is for. */
    Sid?: string;
    Effect: "Allow" | "Deny";
    /** Who (resource policies and trust policies only). */
    Principal?: string | Record<string, string | string[]>;
    Action: string | string[];
    /** What (absent in trust policies). */
    Resource?: string | string[];
    /** When: operator → condition key → value(s). */
    Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
    /** The policy language version. */
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** `system:serviceaccount:<namespace>:<name>`: the subject of a ServiceAccount's tokens. */
export function serviceAccountSubject(account: ServiceAccountRef): string {
    return `system:serviceaccount:${account.namespace}:${account.name}`;
}

/** A trust policy that lets exactly one ServiceAccount of the cluster assume the role, and nothing else. */
export function irsaTrustPolicy(oidc: OidcProvider, account: ServiceAccountRef): pulumi.Output<PolicyDocument> {
    return pulumi.all([oidc.arn, oidc.issuer]).apply(([arn, issuer]): PolicyDocument => ({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: arn },
                Action: "sts:AssumeRoleWithWebIdentity",
                // StringEquals, not StringLike: a wildcard subject would let any ServiceAccount matching it in
                Condition: { StringEquals: { [`${issuer}:sub`]: serviceAccountSubject(account), [`${issuer}:aud`]: STS_AUDIENCE } },
            },
        ],
    }));
}

/** An IAM role one ServiceAccount assumes through the cluster's OIDC provider. */
export function irsaRole(
    name: string,
    args: { oidc: OidcProvider; account: ServiceAccountRef; description: string; tags: Record<string, string> },
    opts: pulumi.CustomResourceOptions,
): aws.iam.Role {
    return new aws.iam.Role(
        name,
        {
            description: args.description,
            assumeRolePolicy: pulumi.jsonStringify(irsaTrustPolicy(args.oidc, args.account)),
            tags: args.tags,
        },
        opts,
    );
}
