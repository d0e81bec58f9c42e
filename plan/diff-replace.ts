/**
 * Inputs whose change makes the provider replace a resource (delete and create it again) rather than
 * update it in place. The offline plan has no provider to ask, so this is a small, checked table of the
 * cases a workbench user meets; anything it does not list is reported as an in-place change. A real
 * `pulumi preview` is the authority: the diff says so wherever it relies on this table.
 *
 * Paths are input key paths as the diff prints them (`nodeConfig.machineType`, `metadata.name`); a
 * change at or below a listed path counts.
 */
export interface ReplaceRule {
    /** Input paths whose change forces replacement. */
    paths: readonly string[];
    /** Where the rule comes from. */
    source: string;
}

/** Per Pulumi type token. */
export const REPLACE_ON_CHANGE: Readonly<Record<string, ReplaceRule>> = {
    "aws:s3/bucket:Bucket": {
        paths: ["bucket", "bucketPrefix"],
        source: "terraform-provider-aws aws_s3_bucket: bucket and bucket_prefix are ForceNew",
    },
    "aws:eks/nodeGroup:NodeGroup": {
        // version, releaseVersion, labels, taints, scalingConfig and the launch template's version update in place
        paths: [
            "amiType",
            "capacityType",
            "clusterName",
            "diskSize",
            "instanceTypes",
            "nodeGroupName",
            "nodeGroupNamePrefix",
            "nodeRoleArn",
            "subnetIds",
            "remoteAccess",
            "launchTemplate.id",
            "launchTemplate.name",
        ],
        source: "terraform-provider-aws aws_eks_node_group schema: these attributes are ForceNew",
    },
    "aws:ec2/vpc:Vpc": { paths: ["cidrBlock"], source: "terraform-provider-aws aws_vpc: cidr_block is ForceNew" },
    "aws:ec2/subnet:Subnet": {
        paths: ["availabilityZone", "availabilityZoneId", "cidrBlock", "vpcId"],
        source: "terraform-provider-aws aws_subnet: these attributes are ForceNew",
    },
    "aws:iam/role:Role": { paths: ["name", "namePrefix", "path"], source: "terraform-provider-aws aws_iam_role: name, name_prefix and path are ForceNew" },
    "gcp:storage/bucket:Bucket": { paths: ["name", "location", "project"], source: "terraform-provider-google google_storage_bucket: name, location and project are ForceNew" },
    "gcp:container/cluster:Cluster": { paths: ["name", "location", "project"], source: "terraform-provider-google google_container_cluster: name, location and project are ForceNew" },
    "gcp:container/nodePool:NodePool": {
        paths: ["name", "namePrefix", "location", "cluster", "project"],
        source: "terraform-provider-google google_container_node_pool: name, location, cluster and project are ForceNew",
    },
    "azure-native:storage:StorageAccount": {
        paths: ["accountName", "resourceGroupName"],
        source: "azure-native: the resource's path parameters name it; a new name is a new account",
    },
    "azure-native:containerservice:AgentPool": {
        paths: ["agentPoolName", "resourceName", "resourceGroupName"],
        source: "azure-native: the resource's path parameters name it; a new name is a new pool",
    },
    "random:index/randomPassword:RandomPassword": {
        paths: ["length", "lower", "upper", "numeric", "special", "minLower", "minUpper", "minNumeric", "minSpecial", "overrideSpecial", "keepers"],
        source: "terraform-provider-random random_password: every attribute has RequiresReplace (a new password is generated)",
    },
    "kubernetes:storage.k8s.io/v1:StorageClass": {
        paths: ["metadata.name", "metadata.namespace", "parameters", "provisioner"],
        source: "pulumi-kubernetes provider/pkg/provider/forcenew.go: StorageClass .parameters and .provisioner, and every object's .metadata.name/.namespace",
    },
    "kubernetes:core/v1:PersistentVolumeClaim": {
        paths: ["metadata.name", "metadata.namespace", "spec"],
        source: "pulumi-kubernetes provider/pkg/provider/forcenew.go: PersistentVolumeClaim .spec",
    },
    "kubernetes:core/v1:Secret": {
        paths: ["metadata.name", "metadata.namespace", "type"],
        source: "pulumi-kubernetes provider/pkg/provider/forcenew.go: Secret .type",
    },
    "kubernetes:core/v1:ConfigMap": {
        paths: ["metadata.name", "metadata.namespace", "data", "binaryData"],
        source: "pulumi-kubernetes provider/pkg/provider/forcenew.go: ConfigMap .data and .binaryData",
    },
    "kubernetes:core/v1:Service": {
        paths: ["metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"],
        source: "pulumi-kubernetes provider/pkg/provider/forcenew.go: Service .spec.clusterIP and .spec.type",
    },
};

/** Every Kubernetes object is replaced when its name or namespace changes (pulumi-kubernetes forcenew.go). */
const KUBERNETES_METADATA: ReplaceRule = {
    paths: ["metadata.name", "metadata.namespace"],
    source: "pulumi-kubernetes provider/pkg/provider/forcenew.go: every object's .metadata.name and .metadata.namespace",
};

/** The rule for a type token, if the table knows one. */
export function replaceRule(type: string): ReplaceRule | undefined {
    const rule = REPLACE_ON_CHANGE[type];
    if (rule) return rule;
    // Helm releases are not Kubernetes objects with metadata; every other kubernetes:<group>/<version>:<Kind> is
    if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh/") && !type.startsWith("pulumi:")) return KUBERNETES_METADATA;
    return undefined;
}

/** Whether a change at `changedPath` falls at or below one of the rule's paths (list indexes ignored). */
export function forcesReplacement(rule: ReplaceRule | undefined, changedPath: string): boolean {
    if (!rule) return false;
    const path = changedPath.replace(/\[\d+\]/g, "");
    return rule.paths.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`) || p.startsWith(`${path}.`));
}
