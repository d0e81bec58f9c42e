import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Taint } from "../contract";

/*
 * Scale from zero on EKS managed node groups: a group with no node gives the cluster-autoscaler
 * nothing to copy labels, taints or GPUs from, so it reads them from tags on the group's Auto Scaling
 * group (cluster-autoscaler AWS README, "Auto-Discovery Setup"). Without them a pending notebook that
 * selects the user pool, or asks for a GPU, never triggers a scale-up.
 */

/** Prefix of the tags that describe the nodes a zero-node group would start. */
export const NODE_TEMPLATE_PREFIX = "k8s.io/cluster-autoscaler/node-template";

/** The tag key the cluster-autoscaler discovers every autoscaled group by. */
export const DISCOVERY_ENABLED_TAG = "k8s.io/cluster-autoscaler/enabled";

/** The tag key naming the cluster a group belongs to; the autoscaler's IAM policy only lets it scale groups with it. */
export function clusterOwnershipTag(clusterName: string): string {
    return `k8s.io/cluster-autoscaler/${clusterName}`;
}

/** The nodes a group starts, as the autoscaler must know them. */
export interface NodeTemplate {
    /** Every label the nodes carry. */
    labels: Record<string, string>;
    /** Every taint the nodes carry. */
    taints: readonly Taint[];
    /** Extended resources per node, e.g. `{ "nvidia.com/gpu": 1 }`. */
    resources: Record<string, number>;
}

/** `<value>:<Effect>` (or `:<Effect>` for a taint without a value), as the autoscaler parses taint tags. */
export function taintTagValue(taint: Taint): string {
    return `${taint.value ?? ""}:${taint.effect}`;
}

/** The node-template tags for a group's nodes. */
export function nodeTemplateTags(template: NodeTemplate): Record<string, string> {
    return {
        ...Object.fromEntries(Object.entries(template.labels).map(([key, value]) => [`${NODE_TEMPLATE_PREFIX}/label/${key}`, value])),
        ...Object.fromEntries(template.taints.map((taint) => [`${NODE_TEMPLATE_PREFIX}/taint/${taint.key}`, taintTagValue(taint)])),
        ...Object.fromEntries(Object.entries(template.resources).map(([key, count]) => [`${NODE_TEMPLATE_PREFIX}/resources/${key}`, String(count)])),
    };
}

/**
 * The auto-discovery tags. EKS puts the same two on a managed group's Auto Scaling group itself; stating
 * them keeps discovery (and the IAM condition that keys on the ownership tag) independent of that habit.
 */
export function discoveryTags(clusterName: string): Record<string, string> {
    return { [DISCOVERY_ENABLED_TAG]: "true", [clusterOwnershipTag(clusterName)]: "owned" };
}

/** A resource-name-safe form of a tag key. */
function slug(key: string): string {
    return key
        .replace(/^k8s\.io\/cluster-autoscaler\/(node-template\/)?/, "")
        .replace(/[^A-Za-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");
}

/**
 * Puts `tags` on an Auto Scaling group that something else (EKS) created, one `aws.autoscaling.Tag`
 * each. They are not propagated to instances: the autoscaler reads them on the group.
 */
export function tagAutoScalingGroup(
    name: string,
    autoScalingGroupName: pulumi.Input<string>,
    tags: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): aws.autoscaling.Tag[] {
    return Object.entries(tags).map(
        ([key, value]) =>
            new aws.autoscaling.Tag(`${name}-${slug(key)}`, { autoscalingGroupName: autoScalingGroupName, tag: { key, value, propagateAtLaunch: false } }, opts),
    );
}
