import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterAutoscalerRequest, ServiceAccountRef } from "../contract";
import { clusterOwnershipTag } from "./autoscaler-tags";
import { AwsContext } from "./context";
import { irsaRole, OidcProvider, PolicyDocument, ROLE_ARN_ANNOTATION } from "./irsa";

/**
 * The ServiceAccount the cluster-autoscaler chart runs as. Its IAM role trusts exactly this account, so
 * the shared layer must install the chart in this namespace (the chart names the account from the values).
 */
export const CLUSTER_AUTOSCALER_ACCOUNT: ServiceAccountRef = { namespace: "kube-system", name: "cluster-autoscaler" };

/** Arguments of {@link clusterAutoscalerPolicy}. */
export interface ClusterAutoscalerPolicyArgs {
    /** The EKS cluster whose groups the autoscaler may scale. */
    clusterName: string;
    /** ARN partition of the region. */
    partition: string;
    /** `aws:region`. */
    region: string;
    /** The account the cluster lives in, for the node group ARNs. */
    accountId: string;
}

/**
 * Least privilege for the cluster-autoscaler (its AWS README's minimal policy): it may read every Auto
 * Scaling group and instance type (the describe calls take no resource), read this cluster's node groups,
 * and change the size of, or terminate instances in, only the groups tagged as this cluster's.
 */
export function clusterAutoscalerPolicy(args: ClusterAutoscalerPolicyArgs): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DiscoverGroupsAndInstanceTypes",
                Effect: "Allow",
                Action: [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ],
                Resource: "*",
            },
            {
                Sid: "ReadThisClustersNodeGroups",
                Effect: "Allow",
                Action: "eks:DescribeNodegroup",
                Resource: `arn:${args.partition}:eks:${args.region}:${args.accountId}:nodegroup/${args.clusterName}/*/*`,
            },
            {
                Sid: "ScaleOnlyThisClustersGroups",
                Effect: "Allow",
                Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                Resource: "*",
                Condition: { StringEquals: { [`aws:ResourceTag/${clusterOwnershipTag(args.clusterName)}`]: "owned" } },
            },
        ],
    };
}

/**
 * The settings for the kubernetes/autoscaler `cluster-autoscaler` chart on this cluster: AWS auto-discovery
 * of the node groups' Auto Scaling groups, the IRSA role, and scale-down behaviour for notebooks.
 */
/** How long the autoscaler waits for a new node before giving up on its group: a spot group without capacity is left quickly. */
export const NODE_PROVISION_TIME = "10m";

/**
 * The wait when a pool runs large GPU instances (p4d, p5): they take well over ten minutes from launch to a
 * Ready node (EFA and NVIDIA initialisation on large hosts), and a shorter wait makes the autoscaler give
 * up on, and pay for, a node that was about to join.
 */
export const LARGE_GPU_NODE_PROVISION_TIME = "25m";

/** Whether an instance type is of the large GPU families (p-class) whose nodes start slowly. */
export function isLargeGpuInstanceType(instanceType: string): boolean {
    return /^p\d/.test(instanceType);
}

/** The `max-node-provision-time` for a cluster whose pools run these instance types. */
export function nodeProvisionTime(instanceTypes: readonly string[]): string {
    return instanceTypes.some(isLargeGpuInstanceType) ? LARGE_GPU_NODE_PROVISION_TIME : NODE_PROVISION_TIME;
}

export function clusterAutoscalerValues(
    clusterName: string,
    region: string,
    roleArn: string,
    provisionTime = NODE_PROVISION_TIME,
    priorities: Record<string, string[]> = {},
): Record<string, unknown> {
    const prioritised = Object.keys(priorities).length > 0;
    return {
        // spot GPU pools with on-demand twins: the priority expander picks spot first, least-waste breaks ties
        ...(prioritised ? { expanderPriorities: priorities } : {}),
        cloudProvider: "aws",
        awsRegion: region,
        // the chart's default discovery tags: k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/<clusterName>
        autoDiscovery: { clusterName },
        rbac: {
            serviceAccount: { create: true, name: CLUSTER_AUTOSCALER_ACCOUNT.name, annotations: { [ROLE_ARN_ANNOTATION]: roleArn } },
        },
        extraArgs: {
            // pools differ by purpose (selectors), not price: choose the one that wastes least of a new node
            expander: prioritised ? "priority,least-waste" : "least-waste",
            // no two pools are alike today (each has its own label); keeps zone-split copies of a pool even
            "balance-similar-node-groups": true,
            // notebooks and Dask workers use emptyDir scratch space; that must not pin a node forever
            "skip-nodes-with-local-storage": false,
            "scale-down-unneeded-time": "10m",
            "scale-down-delay-after-add": "10m",
            // a spot group without capacity is given up on quickly, so another instance type or pool is tried;
            // longer with large GPU pools (see LARGE_GPU_NODE_PROVISION_TIME)
            "max-node-provision-time": provisionTime,
        },
    };
}

/** Arguments of {@link clusterAutoscaler}. */
export interface ClusterAutoscalerArgs {
    /** Names, region, partition and tags shared by the platform's resources. */
    context: AwsContext;
    /** The cluster's OIDC provider, which the autoscaler's role trusts. */
    oidc: OidcProvider;
    /** Every instance type the node groups may launch, for the provision time. */
    instanceTypes: readonly string[];
    /** The priority expander's configuration (spot GPU pools before their on-demand twins); empty for none. */
    priorities?: Record<string, string[]>;
}

/** The cluster-autoscaler's IAM role and policy, and the chart values the shared layer installs it with. */
export function clusterAutoscaler(name: string, args: ClusterAutoscalerArgs, parent: pulumi.Resource): {
    role: aws.iam.Role;
    policy: aws.iam.RolePolicy;
    request: ClusterAutoscalerRequest;
} {
    const { context } = args;
    const role = irsaRole(
        name,
        {
            oidc: args.oidc,
            account: CLUSTER_AUTOSCALER_ACCOUNT,
            description: `cluster-autoscaler of EKS cluster ${context.clusterName}`,
            tags: context.tags,
        },
        { parent },
    );
    const accountId = aws.getCallerIdentityOutput({}, { parent }).accountId;
    const policy = new aws.iam.RolePolicy(
        name,
        {
            role: role.name,
            policy: pulumi.jsonStringify(
                accountId.apply((id) =>
                    clusterAutoscalerPolicy({ clusterName: context.clusterName, partition: context.partition, region: context.region, accountId: id }),
                ),
            ),
        },
        { parent },
    );
    // through the policy's id too, so the chart is installed only once the role may do its work
    const values = pulumi.all([role.arn, policy.id]).apply(([arn]) => clusterAutoscalerValues(context.clusterName, context.region, arn, nodeProvisionTime(args.instanceTypes), args.priorities));
    return { role, policy, request: { values, account: CLUSTER_AUTOSCALER_ACCOUNT } };
}
