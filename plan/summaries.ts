/*
 * One-line summaries of a resource's key settings for the readable plan, by type token.
 * Types without a summary show only their type and name.
 */

type Inputs = Record<string, unknown>;
type Summary = (inputs: Inputs) => Array<string | undefined>;

const get = (value: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Inputs)[key] : undefined), value);

const field = (label: string, value: unknown): string | undefined =>
    value === undefined || value === null || value === "" ? undefined : `${label}=${typeof value === "string" ? value : JSON.stringify(value)}`;

/** The statements of a policy document given as a JSON string, or none. */
const statements = (document: unknown): Inputs[] => {
    if (typeof document !== "string") return [];
    try {
        const parsed = JSON.parse(document) as { Statement?: Inputs[] };
        return Array.isArray(parsed.Statement) ? parsed.Statement : [];
    } catch {
        return [];
    }
};

/** Who may assume a role: the AWS service, or the ServiceAccount an IRSA trust names. */
const trustedBy = (document: unknown): string | undefined => {
    const trusted = statements(document).flatMap((statement) => {
        const service = get(statement, "Principal", "Service");
        if (typeof service === "string") return [service];
        const conditions = (get(statement, "Condition", "StringEquals") ?? {}) as Inputs;
        return Object.entries(conditions).filter(([key]) => key.endsWith(":sub")).map(([, subject]) => String(subject));
    });
    return trusted.length > 0 ? trusted.join(",") : undefined;
};

const kubernetesObject: Summary = (inputs) => [field("namespace", get(inputs, "metadata", "namespace")), field("name", get(inputs, "metadata", "name"))];

const SUMMARIES: Readonly<Record<string, Summary>> = {
    "kubernetes:helm.sh/v3:Release": (inputs) => [
        field("chart", `${String(inputs["chart"])}@${String(inputs["version"])}`),
        field("repo", get(inputs, "repositoryOpts", "repo")),
        field("namespace", inputs["namespace"]),
    ],
    "kubernetes:storage.k8s.io/v1:StorageClass": (inputs) => [
        field("name", get(inputs, "metadata", "name")),
        field("provisioner", inputs["provisioner"]),
        field("reclaimPolicy", inputs["reclaimPolicy"]),
    ],
    "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass": (inputs) => [
        field("name", get(inputs, "metadata", "name")),
        field("driver", inputs["driver"]),
        field("deletionPolicy", inputs["deletionPolicy"]),
    ],
    "kubernetes:velero.io/v1:Schedule": (inputs) => [
        field("schedule", get(inputs, "spec", "schedule")),
        field("reads", get(inputs, "spec", "template", "snapshotMoveData") === true ? "CSI snapshots, moved to the bucket" : get(inputs, "spec", "template", "defaultVolumesToFsBackup") === true ? "files of mounted volumes" : undefined),
        field("namespaces", get(inputs, "spec", "template", "includedNamespaces")),
    ],
    "kubernetes:core/v1:Namespace": kubernetesObject,
    "kubernetes:core/v1:ServiceAccount": (inputs) => [...kubernetesObject(inputs), field("annotations", get(inputs, "metadata", "annotations"))],
    // where a Deployment's pods go: served models and apps on the user pool or the serving pool (docs/serving.md)
    "kubernetes:apps/v1:Deployment": (inputs) => [
        ...kubernetesObject(inputs),
        field("replicas", get(inputs, "spec", "replicas")),
        field("nodes", Object.entries((get(inputs, "spec", "template", "spec", "nodeSelector") ?? {}) as Inputs).map(([key, value]) => `${key}=${String(value)}`).join(",")),
    ],
    "kubernetes:core/v1:Secret": kubernetesObject,
    "kubernetes:core/v1:ConfigMap": (inputs) => [...kubernetesObject(inputs), field("keys", Object.keys((inputs["data"] ?? {}) as Inputs).join(","))],
    "pulumi:providers:kubernetes": (inputs) => [field("context", inputs["context"])],
    "aws:ec2/vpc:Vpc": (inputs) => [field("cidr", inputs["cidrBlock"])],
    "aws:ec2/subnet:Subnet": (inputs) => [
        field("zone", inputs["availabilityZone"]),
        field("cidr", inputs["cidrBlock"]),
        field("publicIps", inputs["mapPublicIpOnLaunch"]),
        field("elb", get(inputs, "tags", "kubernetes.io/role/elb") !== undefined ? "internet-facing" : get(inputs, "tags", "kubernetes.io/role/internal-elb") !== undefined ? "internal" : undefined),
    ],
    "aws:ec2/natGateway:NatGateway": (inputs) => [field("subnet", inputs["subnetId"])],
    "eks:index:Cluster": (inputs) => [
        field("name", inputs["name"]),
        field("version", inputs["version"]),
        field("auth", inputs["authenticationMode"]),
        field("apiFrom", inputs["publicAccessCidrs"]),
        field("networkPolicy", get(inputs, "vpcCniOptions", "enableNetworkPolicy")),
    ],
    "aws:eks/nodeGroup:NodeGroup": (inputs) => [
        field("ami", inputs["amiType"]),
        field("capacity", inputs["capacityType"]),
        field("types", inputs["instanceTypes"]),
        field("nodes", `${String(get(inputs, "scalingConfig", "minSize"))}-${String(get(inputs, "scalingConfig", "maxSize"))}`),
        field("taints", ((inputs["taints"] ?? []) as Inputs[]).map((t) => `${String(t["key"])}=${String(t["value"] ?? "")}:${String(t["effect"])}`).join(",")),
    ],
    "aws:ec2/launchTemplate:LaunchTemplate": (inputs) => [
        field("imds", `${String(get(inputs, "metadataOptions", "httpTokens"))},hops=${String(get(inputs, "metadataOptions", "httpPutResponseHopLimit"))}`),
        field("disk", ((inputs["blockDeviceMappings"] ?? []) as Inputs[]).map((m) => `${String(get(m, "ebs", "volumeSize"))}GiB ${String(get(m, "ebs", "volumeType"))}${get(m, "ebs", "encrypted") === "true" ? " encrypted" : ""}`).join(",")),
    ],
    "aws:autoscaling/tag:Tag": (inputs) => [field(String(get(inputs, "tag", "key")), get(inputs, "tag", "value"))],
    "aws:eks/addon:Addon": (inputs) => [field("addon", inputs["addonName"]), field("config", inputs["configurationValues"])],
    "aws:iam/role:Role": (inputs) => [field("trustedBy", trustedBy(inputs["assumeRolePolicy"]))],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (inputs) => [field("policy", String(inputs["policyArn"]).replace(/^arn:[^:]+:iam::aws:policy\//, ""))],
    "aws:iam/rolePolicy:RolePolicy": (inputs) => [field("statements", statements(inputs["policy"]).map((st) => st["Sid"] ?? st["Action"]))],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (inputs) => [
        field("blocked", ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => inputs[k] === true) ? "all" : "partly"),
    ],
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (inputs) => [field("ownership", get(inputs, "rule", "objectOwnership"))],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (inputs) => [
        field("sse", ((inputs["rules"] ?? []) as Inputs[]).map((r) => get(r, "applyServerSideEncryptionByDefault", "sseAlgorithm")).join(",")),
    ],
    "aws:s3/bucketVersioning:BucketVersioning": (inputs) => [field("status", get(inputs, "versioningConfiguration", "status"))],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (inputs) => [field("rules", ((inputs["rules"] ?? []) as Inputs[]).map((r) => r["id"]))],
    "aws:s3/bucketPolicy:BucketPolicy": (inputs) => [field("statements", statements(inputs["policy"]).map((st) => st["Sid"]))],
    "gcp:container/cluster:Cluster": (inputs) => [
        field("name", inputs["name"]),
        field("location", inputs["location"]),
        field("channel", get(inputs, "releaseChannel", "channel")),
        field("datapath", inputs["datapathProvider"]),
        field("workloadPool", get(inputs, "workloadIdentityConfig", "workloadPool")),
        field("deletionProtection", inputs["deletionProtection"]),
    ],
    "gcp:container/nodePool:NodePool": (inputs) => [
        field("machine", get(inputs, "nodeConfig", "machineType")),
        field("spot", get(inputs, "nodeConfig", "spot")),
        field("nodes", get(inputs, "autoscaling") ? `${String(get(inputs, "autoscaling", "totalMinNodeCount") ?? get(inputs, "autoscaling", "minNodeCount"))}-${String(get(inputs, "autoscaling", "totalMaxNodeCount") ?? get(inputs, "autoscaling", "maxNodeCount"))}` : inputs["nodeCount"]),
        field("gpus", ((get(inputs, "nodeConfig", "guestAccelerators") ?? []) as Inputs[]).map((g) => `${String(g["count"])}×${String(g["type"])}`).join(",")),
        field("metadata", get(inputs, "nodeConfig", "workloadMetadataConfig", "mode")),
        field("taints", ((get(inputs, "nodeConfig", "taints") ?? []) as Inputs[]).map((t) => `${String(t["key"])}=${String(t["value"] ?? "")}:${String(t["effect"])}`).join(",")),
    ],
    "gcp:storage/bucket:Bucket": (inputs) => [
        field("location", inputs["location"]),
        field("uniformAccess", inputs["uniformBucketLevelAccess"]),
        field("publicAccessPrevention", inputs["publicAccessPrevention"]),
        field("versioning", get(inputs, "versioning", "enabled")),
        field("forceDestroy", inputs["forceDestroy"]),
    ],
    "gcp:serviceaccount/iAMMember:IAMMember": (inputs) => [field("role", inputs["role"]), field("member", inputs["member"])],
    "gcp:storage/bucketIAMMember:BucketIAMMember": (inputs) => [field("role", inputs["role"]), field("member", inputs["member"])],
    "azure-native:containerservice:ManagedCluster": (inputs) => [
        field("tier", get(inputs, "sku", "tier")),
        field("version", inputs["kubernetesVersion"]),
        field("networkPolicy", get(inputs, "networkProfile", "networkPolicy")),
        field("oidcIssuer", get(inputs, "oidcIssuerProfile", "enabled")),
        field("workloadIdentity", get(inputs, "securityProfile", "workloadIdentity", "enabled")),
        field("localAccounts", inputs["disableLocalAccounts"] === true ? "disabled" : "enabled"),
    ],
    "azure-native:containerservice:AgentPool": (inputs) => [
        field("vm", inputs["vmSize"]),
        field("mode", inputs["mode"]),
        field("priority", inputs["scaleSetPriority"]),
        field("nodes", `${String(inputs["minCount"])}-${String(inputs["maxCount"])}`),
        field("taints", ((inputs["nodeTaints"] ?? []) as string[]).join(",")),
    ],
    "azure-native:storage:StorageAccount": (inputs) => [
        field("kind", inputs["kind"]),
        field("httpsOnly", inputs["enableHttpsTrafficOnly"]),
        field("tls", inputs["minimumTlsVersion"]),
        field("publicBlobs", inputs["allowBlobPublicAccess"]),
        field("sharedKey", inputs["allowSharedKeyAccess"]),
    ],
    "azure-native:managedidentity:FederatedIdentityCredential": (inputs) => [field("subject", inputs["subject"])],
    "azure-native:authorization:RoleAssignment": (inputs) => [field("scope", inputs["scope"])],
    "aws:budgets/budget:Budget": (inputs) => [
        field("name", inputs["name"]),
        field("limit", `${String(inputs["limitAmount"])} ${String(inputs["limitUnit"])}/${String(inputs["timeUnit"]).toLowerCase()}`),
        field("alerts", ((inputs["notifications"] ?? []) as Inputs[]).map((n) => `${String(n["notificationType"]).toLowerCase()}>${String(n["threshold"])}%`)),
    ],
};

/** The key settings of a resource, as `key=value` pairs. */
export function summarize(type: string, inputs: Inputs): string {
    return (SUMMARIES[type]?.(inputs) ?? []).filter((part): part is string => part !== undefined).join(" ");
}
