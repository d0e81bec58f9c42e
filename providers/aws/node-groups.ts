import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TaintEffect } from "../contract";
import { discoveryTags, nodeTemplateTags, tagAutoScalingGroup } from "./autoscaler-tags";
import { AwsContext, managedPolicyArn } from "./context";
import { GPU_RESOURCE, PoolSpec } from "./pools";

/** The policies every managed node needs: join the cluster, run the VPC CNI, pull images from ECR. */
export const NODE_POLICIES: readonly string[] = [
    "AmazonEKSWorkerNodePolicy",
    // on the node role because the CNI add-on is created with the cluster, before the OIDC provider an IRSA role would need
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
];

/** The IAM role of the workbench's nodes, with its policies attached. */
export interface NodeRole {
    /** The role, trusted by EC2. */
    role: aws.iam.Role;
    /** Node groups must wait for these: nodes started before the policies are attached never join. */
    attachments: aws.iam.RolePolicyAttachment[];
}

/** The one role every managed node group's instances run as. EKS creates its access entry itself. */
export function createNodeRole(name: string, context: AwsContext, parent: pulumi.Resource): NodeRole {
    const role = new aws.iam.Role(
        name,
        {
            description: `Nodes of EKS cluster ${context.clusterName}`,
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            tags: context.tags,
        },
        { parent },
    );
    const attachments = NODE_POLICIES.map(
        (policy) => new aws.iam.RolePolicyAttachment(`${name}-${policy}`, { role: role.name, policyArn: managedPolicyArn(context, policy) }, { parent }),
    );
    return { role, attachments };
}

/** EKS writes taint effects in upper snake case. */
const EKS_TAINT_EFFECTS: Readonly<Record<TaintEffect, string>> = {
    NoSchedule: "NO_SCHEDULE",
    PreferNoSchedule: "PREFER_NO_SCHEDULE",
    NoExecute: "NO_EXECUTE",
};

/**
 * Instance metadata: IMDSv2 only, and a hop limit of 1 so that only the node itself and host-network
 * pods (CNI, kube-proxy) reach it. Workbench pods get their AWS identity from IRSA and never need
 * the node's role. The price, accepted: the EBS CSI node plugin falls back to the Kubernetes API for the
 * node's metadata, which "will assume one ENI and one EBS volume (the root volume) is attached", so its
 * volume-attach limit is approximate and Kubernetes may place one volume more than a busy node can attach
 * (kubernetes-sigs/aws-ebs-csi-driver docs/install.md, "Kubernetes Metadata"; docs/faq.md). For a personal
 * workbench with a few homes per node that is rare; the isolation of the node's role is worth more.
 */
export const METADATA_OPTIONS = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" } as const;

/** Burstable families (T2, T3, T3a, T4g): CPU credits apply to them only. */
export function isBurstable(instanceType: string): boolean {
    return /^t\d[a-z]*\./.test(instanceType);
}

/**
 * CPU credits of a pool's launch template: `standard` when every type is burstable. EC2 launches T3/T3a/T4g in
 * `unlimited` mode by default, which bills surplus credits for sustained use above the baseline (20 % per vCPU
 * on a t3a.medium) and the always-on system node runs near it; in `standard` mode it slows to the baseline
 * instead, and the cost stays the one the estimate shows. Left unset for a pool mixing in other types: EC2
 * refuses a credit specification for a non-burstable type.
 */
export function creditSpecificationOf(instanceTypes: readonly string[]): { cpuCredits: "standard" } | undefined {
    return instanceTypes.length > 0 && instanceTypes.every(isBurstable) ? { cpuCredits: "standard" } : undefined;
}

/**
 * The SSM parameter holding the current release of the EKS AMI a node group runs (`@pulumi/aws`
 * eks/nodeGroup.d.ts, "Tracking the latest EKS Node Group AMI releases"): per Kubernetes minor, architecture
 * and AL2023 flavour, e.g. `/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/nvidia/recommended/release_version`.
 */
export function releaseVersionParameter(kubernetesVersion: string, amiType: string): string {
    const architecture = amiType.includes("ARM_64") ? "arm64" : "x86_64";
    const flavour = amiType.endsWith("_NVIDIA") ? "nvidia" : "standard";
    return `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/${architecture}/${flavour}/recommended/release_version`;
}

/**
 * The desired size a node group is sent: the live count clamped into the configured bounds, or the minimum for a
 * group that does not exist yet. Sending the live count (rather than ignoring the field, as before) keeps a
 * `pulumi up` from resetting what the cluster-autoscaler chose, and lets EKS accept a raised `minNodes` or a
 * lowered `maxNodes`: with the desired size frozen at 0, `min 1` was refused ("Minimum capacity 1 can't be
 * greater than desired size 0"; hashicorp/terraform-provider-aws#18310, terraform-aws-modules/terraform-aws-eks#3306).
 */
export function desiredSizeOf(pool: Pick<PoolSpec, "minNodes" | "maxNodes" | "desiredNodes">, live?: number): number {
    if (live === undefined) return pool.desiredNodes;
    return Math.min(pool.maxNodes, Math.max(pool.minNodes, live));
}

/** The tag that records on each node (and in its launch template) that the VPC CNI gives its pods /28 prefixes. */
export const POD_ADDRESSING_TAG = "workbench:pod-addressing";

/**
 * The instance tags of a pool's nodes: the stack's, the pool's name, and {@link POD_ADDRESSING_TAG} with prefix
 * delegation. The pod addressing mode is part of the launch template on purpose: a managed node group computes a
 * node's max-pods from the VPC CNI's configuration when it launches the node and keeps it for the node's life, so a
 * node started before the mode changed keeps the old figure (17 on a t3a.medium; with prefixes turned off, 110 it can
 * no longer address). Changing the tag makes a new launch template version, and EKS replaces the group's nodes one
 * at a time (updateConfig) with nodes launched under the new mode, after the add-on's update (the group depends on
 * the cluster). "When transitioning from assigning IP addresses to assigning IP prefixes, we recommend that you
 * create new node groups [...] rather than doing a rolling replacement of existing nodes" (EKS user guide): the
 * reason given is nodes that hold addresses and prefixes at once; here an old node holds both only until EKS has
 * drained it, minutes after the add-on changed, and no new node starts in the old mode. Off leaves the tag out, so
 * a stack that turns it off on this upgrade keeps its nodes.
 */
export function nodeInstanceTags(tags: Record<string, string>, pool: Pick<PoolSpec, "prefixDelegation">, name: string): Record<string, string> {
    return { ...tags, ...(pool.prefixDelegation ? { [POD_ADDRESSING_TAG]: "prefixes" } : {}), Name: name };
}

/** Arguments of {@link NodeGroup}. */
export interface NodeGroupArgs {
    /** Names, region, partition and tags shared by the platform's resources. */
    context: AwsContext;
    /** The pool the group runs: instance types, AMI, capacity, scaling, labels, taints. */
    pool: PoolSpec;
    /** Kubernetes minor version of the nodes; the same as the control plane's so an upgrade rolls them. */
    kubernetesVersion: string;
    /** The role the nodes run as, with its policies. */
    nodeRole: NodeRole;
    /** Subnets the nodes launch into. */
    subnetIds: pulumi.Input<string>[];
    /** The control plane, which must exist first. */
    cluster: pulumi.Resource;
    /** The group's live desired size (the autoscaler's count), read before anything registers; absent before it exists. */
    liveDesiredSize?: number;
}

/**
 * One EKS managed node group: its launch template (IMDSv2 required, encrypted gp3 root volume),
 * the group itself, and the cluster-autoscaler tags on the Auto Scaling group EKS creates for it
 * (labels, taints and GPUs of its nodes, so it can scale from zero; and the discovery tags).
 */
export class NodeGroup extends pulumi.ComponentResource {
    /** The EKS managed node group. */
    readonly nodeGroup: aws.eks.NodeGroup;
    /** The Auto Scaling group EKS created for the node group. */
    readonly autoScalingGroupName: pulumi.Output<string>;
    /** The tags put on {@link autoScalingGroupName}, by key. */
    readonly autoScalingGroupTags: Record<string, string>;

    constructor(name: string, args: NodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:aws:NodeGroup", name, {}, opts);
        const { context, pool } = args;
        const tags = { ...context.tags, "workbench:pool": pool.name };

        const launchTemplate = new aws.ec2.LaunchTemplate(
            name,
            {
                description: `Nodes of the ${pool.name} pool of EKS cluster ${context.clusterName}`,
                // No image, subnet or instance profile here (EKS refuses them next to amiType and its own
                // settings); instance types stay on the node group, which may list several.
                metadataOptions: METADATA_OPTIONS,
                creditSpecification: creditSpecificationOf(pool.instanceTypes),
                blockDeviceMappings: [
                    {
                        // the root device of AL2023 EKS AMIs
                        deviceName: "/dev/xvda",
                        ebs: { volumeSize: pool.diskGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                tagSpecifications: [
                    { resourceType: "instance", tags: nodeInstanceTags(tags, pool, `${context.clusterName}-${pool.name}`) },
                    { resourceType: "volume", tags: { ...tags, Name: `${context.clusterName}-${pool.name}` } },
                ],
                updateDefaultVersion: true,
                tags,
            },
            { parent: this },
        );

        // A managed node group keeps the AMI release it was created with until `releaseVersion` changes: reading
        // the current one on every run rolls the nodes onto a patched kernel and containerd at each `pulumi up`,
        // one node at a time (updateConfig), instead of leaving them months behind until the next minor.
        const releaseVersion = aws.ssm.getParameterOutput({ name: releaseVersionParameter(args.kubernetesVersion, pool.amiType) }, { parent: this }).value;

        this.nodeGroup = new aws.eks.NodeGroup(
            name,
            {
                clusterName: context.clusterName,
                // auto-named: instance types and AMI type force a replacement, which a fixed name would block
                nodeGroupNamePrefix: `${pool.name}-`,
                version: args.kubernetesVersion,
                releaseVersion,
                nodeRoleArn: args.nodeRole.role.arn,
                subnetIds: args.subnetIds,
                amiType: pool.amiType,
                capacityType: pool.capacityType,
                instanceTypes: [...pool.instanceTypes],
                launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                scalingConfig: { minSize: pool.minNodes, maxSize: pool.maxNodes, desiredSize: desiredSizeOf(pool, args.liveDesiredSize) },
                updateConfig: { maxUnavailable: 1 },
                labels: pool.nodeGroupLabels,
                taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: EKS_TAINT_EFFECTS[t.effect] })),
                tags,
            },
            { parent: this, dependsOn: [args.cluster, ...args.nodeRole.attachments] },
        );

        this.autoScalingGroupName = this.nodeGroup.resources.apply((resources) => {
            const group = resources[0]?.autoscalingGroups?.[0]?.name;
            if (!group) throw new pulumi.ResourceError(`EKS reported no Auto Scaling group for node group ${name}`, this.nodeGroup);
            return group;
        });

        this.autoScalingGroupTags = {
            ...nodeTemplateTags({
                labels: pool.labels,
                taints: pool.taints,
                resources: pool.gpusPerNode > 0 ? { [GPU_RESOURCE]: pool.gpusPerNode } : {},
            }),
            ...discoveryTags(context.clusterName),
        };
        tagAutoScalingGroup(name, this.autoScalingGroupName, this.autoScalingGroupTags, { parent: this });

        this.registerOutputs({ nodeGroupName: this.nodeGroup.nodeGroupName, autoScalingGroupName: this.autoScalingGroupName });
    }
}
