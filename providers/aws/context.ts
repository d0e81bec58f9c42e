import type { StackSettings } from "../../stacks/load";

/** What every AWS resource of one platform shares: its names, region, partition and tags. */
export interface AwsContext {
    /** The platform component's name; child resource names start with it. */
    name: string;
    /**
     * The EKS cluster's name. It is set explicitly (not auto-named) because the cluster-autoscaler's
     * discovery tag key and its IAM condition must name the cluster before the cluster exists.
     */
    clusterName: string;
    /** `aws:region`. */
    region: string;
    /** ARN partition of the region (`aws`, `aws-cn`, `aws-us-gov`, …), for AWS-managed policy ARNs. */
    partition: string;
    /** Tags on every AWS resource that takes them, so a bill or the console shows what belongs to the stack. */
    tags: Record<string, string>;
}

/** The ARN partition a region belongs to; derived from the name so no invoke is needed at plan time. */
export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    if (region.startsWith("us-isob-")) return "aws-iso-b";
    if (region.startsWith("us-iso-")) return "aws-iso";
    return "aws";
}

/**
 * EKS cluster names allow letters, digits, `-` and `_` (at most 100). The stack name is part of it
 * so that two stacks of the same project (say `dev` and `prod`) can share an account and region.
 */
export function clusterNameOf(name: string, stack: string): string {
    return `${name}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 100);
}

/** The context of the platform named `name` for a validated AWS stack. */
export function awsContext(name: string, settings: StackSettings): AwsContext {
    // validation requires aws:region on an AWS stack; the fallback only keeps the type honest
    const region = settings.provider.awsRegion ?? "us-east-1";
    return {
        name,
        clusterName: clusterNameOf(name, settings.stack),
        region,
        partition: partitionOf(region),
        tags: { "workbench:name": name, "workbench:stack": settings.stack, "managed-by": "pulumi" },
    };
}

/** An AWS-managed IAM policy's ARN in the context's partition. */
export function managedPolicyArn(context: AwsContext, policyPath: string): string {
    return `arn:${context.partition}:iam::aws:policy/${policyPath}`;
}
