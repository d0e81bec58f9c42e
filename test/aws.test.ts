import { at as atPath } from "./k8s-checks";
import { valuesOf } from "./shared-layer-fixtures";
import * as assert from "node:assert/strict";
import { readStackConfig } from "../plan/project";
import type { Plan, PlannedResource } from "../plan/types";
import { maxPodsOfType } from "../providers/aws/max-pods";
import { POD_ADDRESSING_TAG } from "../providers/aws/node-groups";
import { nodePoolOf, poolSpecs } from "../providers/aws/pools";
import { cpuPoolInstanceTypes, gpuMachine, kubernetesVersionsOf, NODE_DISK_GIB } from "../providers/catalog";
import { validateConfig } from "../stacks/load";
import type { WorkbenchConfig } from "../stacks/schema";
import { input, ofType, PROJECT_DIR, planOf, runPlan, variantStackFile } from "./harness";

/*
 * The AWS platform, asserted on the offline plan of Pulumi.aws.yaml and of variations of it. The
 * expected values come from the stack's own configuration and from relationships between planned
 * resources (a node group and its Auto Scaling group tags, a ServiceAccount and its role's trust),
 * never from copies of what the platform happens to produce.
 */

const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    routeTable: "aws:ec2/routeTable:RouteTable",
    nat: "aws:ec2/natGateway:NatGateway",
    eip: "aws:ec2/eip:Eip",
    cluster: "eks:index:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    asgTag: "aws:autoscaling/tag:Tag",
    addon: "aws:eks/addon:Addon",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    budget: "aws:budgets/budget:Budget",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    release: "kubernetes:helm.sh/v3:Release",
    k8sProvider: "pulumi:providers:kubernetes",
} as const;

interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: string | Record<string, string>;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string>>;
}

const list = <V>(value: V | V[] | undefined): V[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const statementsOf = (document: unknown): Statement[] => (JSON.parse(String(document)) as { Statement: Statement[] }).Statement;

/** The validated configuration of a stack file, as the program sees it. */
function configOf(stack: string, stackFile?: string): WorkbenchConfig {
    return validateConfig(stack, readStackConfig(PROJECT_DIR, stack, stackFile).config).config;
}

/** Plans a variation of Pulumi.aws.yaml and fails unless it plans. */
async function planAwsVariant(config: Record<string, unknown>): Promise<{ plan: Plan; config: WorkbenchConfig }> {
    const stackFile = variantStackFile("aws", config);
    const run = await runPlan("aws", { stackFile });
    assert.equal(run.status, 0, run.stderr);
    return { plan: run.document, config: configOf("aws", stackFile) };
}

/** Resources registered under a parent. */
const childrenOf = (plan: Plan, parent: PlannedResource) => plan.resources.filter((r) => r.parent === parent.urn);

/** The resources `r` depends on (explicitly or through its inputs) of one type. */
const dependenciesOf = (plan: Plan, r: PlannedResource, type: string) => plan.resources.filter((d) => d.type === type && r.dependsOn.includes(d.urn));

/** The one resource of a type `r` depends on. */
function dependencyOf(plan: Plan, r: PlannedResource, type: string): PlannedResource {
    const found = dependenciesOf(plan, r, type);
    assert.equal(found.length, 1, `${r.name} depends on exactly one ${type}: ${found.map((d) => d.name).join(", ")}`);
    return found[0];
}

/** The trust policy's single statement of a role, which must be an IRSA trust. */
function irsaTrust(role: PlannedResource): { subject: string; audience: string; federated: string; conditions: Record<string, Record<string, string>> } {
    const statements = statementsOf(input(role, "assumeRolePolicy"));
    assert.equal(statements.length, 1, `${role.name} has one trust statement`);
    const [trust] = statements;
    assert.equal(trust.Effect, "Allow");
    assert.equal(trust.Action, "sts:AssumeRoleWithWebIdentity");
    const conditions = trust.Condition ?? {};
    const equals = conditions["StringEquals"] ?? {};
    const key = (suffix: string) => Object.keys(equals).find((k) => k.endsWith(suffix));
    const subjectKey = key(":sub");
    const audienceKey = key(":aud");
    assert.ok(subjectKey && audienceKey, `${role.name} conditions its trust on the token's sub and aud with StringEquals`);
    return { subject: equals[subjectKey], audience: equals[audienceKey], federated: (trust.Principal as Record<string, string>)["Federated"], conditions };
}

/** Node groups by pool label, with their launch templates and Auto Scaling group tags. */
function nodeGroupsOf(plan: Plan) {
    return ofType(plan, T.nodeGroup).map((nodeGroup) => {
        const component = plan.resources.find((r) => r.urn === nodeGroup.parent)!;
        const siblings = childrenOf(plan, component);
        const tags = siblings.filter((r) => r.type === T.asgTag);
        return {
            nodeGroup,
            pool: String(input(nodeGroup, "tags", "workbench:pool")),
            launchTemplate: dependencyOf(plan, nodeGroup, T.launchTemplate),
            tags: Object.fromEntries(tags.map((t) => [String(input(t, "tag", "key")), String(input(t, "tag", "value"))])),
            tagResources: tags,
        };
    });
}

const TEMPLATE = "k8s.io/cluster-autoscaler/node-template";
const EKS_EFFECTS: Record<string, string> = { NO_SCHEDULE: "NoSchedule", PREFER_NO_SCHEDULE: "PreferNoSchedule", NO_EXECUTE: "NoExecute" };

describe("AWS platform (Pulumi.aws.yaml, planned offline)", () => {
    let plan: Plan;
    let config: WorkbenchConfig;
    before(async () => {
        plan = await planOf("aws");
        config = configOf("aws");
    });

    /**
     * The shipped stack with each independent setting the other way at once (one plan for the tests of each): private
     * nodes in three zones, an API open to two networks, a spot system pool and on-demand GPU pools, a disposable
     * unversioned bucket, a budget without e-mail addresses.
     */
    const API_CIDRS = ["203.0.113.0/24", "198.51.100.7/32"];
    let flippedPlan: Promise<{ plan: Plan; config: WorkbenchConfig }> | undefined;
    const flipped = () =>
        (flippedPlan ??= planAwsVariant({
            "workbench:aws": { privateNodes: true, availabilityZones: 3, apiAllowedCidrs: API_CIDRS },
            "workbench:systemPool": { spot: true },
            "workbench:gpuPools": config.gpuPools.map((p) => ({ ...p, spot: false })),
            "workbench:storage": { retainOnDestroy: false, versioning: false },
            "workbench:budget": { monthlyUsd: 200, alertEmails: [] },
        }));

    describe("network", () => {
        it("has public subnets in as many distinct zones as configured (at least two), tagged for internet-facing load balancers", () => {
            const subnets = ofType(plan, T.subnet);
            const zones = new Set(subnets.map((s) => input(s, "availabilityZone")));
            assert.ok(config.aws.availabilityZones >= 2);
            assert.equal(zones.size, config.aws.availabilityZones);
            for (const subnet of subnets) {
                assert.equal(input(subnet, "tags", "kubernetes.io/role/elb"), "1", subnet.name);
                assert.equal(input(subnet, "mapPublicIpOnLaunch"), true, `${subnet.name}: nodes there need a public address to join without NAT`);
            }
        });

        it("has no NAT gateway by default (about USD 33 a month idle)", () => {
            assert.equal(config.aws.privateNodes, false);
            assert.deepEqual(ofType(plan, T.nat), []);
            assert.deepEqual(ofType(plan, T.eip), []);
        });

        it("with privateNodes, adds private subnets behind exactly one NAT gateway, and launches every node there", async () => {
            const { plan: privatePlan, config: privateConfig } = await flipped();
            assert.equal(privateConfig.aws.availabilityZones, 3);
            const nats = ofType(privatePlan, T.nat);
            assert.equal(nats.length, 1);
            const privateSubnets = ofType(privatePlan, T.subnet).filter((s) => input(s, "tags", "kubernetes.io/role/internal-elb") === "1");
            const publicSubnets = ofType(privatePlan, T.subnet).filter((s) => input(s, "tags", "kubernetes.io/role/elb") === "1");
            assert.equal(privateSubnets.length, privateConfig.aws.availabilityZones);
            assert.equal(publicSubnets.length, privateConfig.aws.availabilityZones);
            for (const subnet of privateSubnets) assert.equal(input(subnet, "mapPublicIpOnLaunch"), false);

            // the NAT gateway sits in a public subnet; the private route table sends the internet through it
            assert.ok(publicSubnets.some((s) => nats[0].dependsOn.includes(s.urn)));
            const privateRoutes = ofType(privatePlan, T.routeTable).filter((t) => t.dependsOn.includes(nats[0].urn));
            assert.equal(privateRoutes.length, 1);

            const privateUrns = new Set(privateSubnets.map((s) => s.urn));
            for (const nodeGroup of ofType(privatePlan, T.nodeGroup)) {
                const subnets = dependenciesOf(privatePlan, nodeGroup, T.subnet);
                assert.ok(subnets.length > 0 && subnets.every((s) => privateUrns.has(s.urn)), `${nodeGroup.name} launches in private subnets only`);
            }
            const cluster = ofType(privatePlan, T.cluster)[0];
            assert.equal((input(cluster, "privateSubnetIds") as string[]).length, privateConfig.aws.availabilityZones);
        });

        it("runs every node group in one zone, the zone EBS volumes are made in", () => {
            const zonesOfNodes = new Set(
                ofType(plan, T.nodeGroup).flatMap((ng) => dependenciesOf(plan, ng, T.subnet).map((s) => input(s, "availabilityZone"))),
            );
            assert.equal(zonesOfNodes.size, 1, "a notebook's home volume and its next node must share a zone");
        });
    });

    describe("EKS cluster", () => {
        it("uses API authentication, an OIDC provider, no default node group, and the pinned Kubernetes version", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(input(cluster, "authenticationMode"), "API");
            assert.equal(input(cluster, "createOidcProvider"), true);
            assert.equal(input(cluster, "skipDefaultNodeGroup"), true);
            // the stack pins none: the cluster runs the catalog's EKS default
            assert.equal(input(cluster, "version"), config.kubernetesVersion ?? kubernetesVersionsOf("aws").defaultMinor);
        });

        it("never bills extended support for an old pinned version (six times the standard fee)", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(input(cluster, "upgradePolicy", "supportType"), "STANDARD");
        });

        it("enforces NetworkPolicy through the VPC CNI add-on", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(input(cluster, "vpcCniOptions", "enableNetworkPolicy"), true);
        });

        it("has the VPC CNI assign /28 prefixes (the add-on's env, as its configuration schema names the keys) before any node group launches", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(config.aws.prefixDelegation, true, "on unless the stack turns it off");
            // strings, as the add-on's schema types them ("format": "boolean" / "integer" on "type": "string")
            assert.equal(input(cluster, "vpcCniOptions", "configurationValues", "env", "ENABLE_PREFIX_DELEGATION"), "true");
            assert.equal(input(cluster, "vpcCniOptions", "configurationValues", "env", "WARM_PREFIX_TARGET"), "1", "0 is not supported with prefixes (the CNI's docs/prefix-and-ip-target.md)");
            // the add-on is the remote component's child, invisible offline: a node group that depends on the component
            // waits for all of its children, so a managed node group computes its nodes' max-pods with prefixes on
            for (const { nodeGroup, pool } of nodeGroupsOf(plan)) assert.ok(nodeGroup.dependsOn.includes(cluster.urn), `${pool} launches after the add-on`);
        });

        it("restricts the public API endpoint to the configured CIDRs, and keeps the private endpoint for the nodes", async () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.deepEqual(input(cluster, "publicAccessCidrs"), config.aws.apiAllowedCidrs);
            assert.equal(input(cluster, "endpointPrivateAccess"), true);

            const { plan: restricted } = await flipped();
            assert.deepEqual(input(ofType(restricted, T.cluster)[0], "publicAccessCidrs"), API_CIDRS);
        });
    });

    describe("managed node groups", () => {
        it("are one system group, one user group and one group per configured GPU pool", () => {
            const pools = nodeGroupsOf(plan).map((g) => g.pool).sort();
            assert.deepEqual(pools, ["system", "user", ...config.gpuPools.map((p) => p.name)].sort());
        });

        it("run AL2023, with the NVIDIA variant on GPU pools only", () => {
            for (const { nodeGroup, pool } of nodeGroupsOf(plan)) {
                const gpu = config.gpuPools.some((p) => p.name === pool);
                assert.equal(input(nodeGroup, "amiType"), gpu ? "AL2023_x86_64_NVIDIA" : "AL2023_x86_64_STANDARD", pool);
            }
        });

        it("use the capacity type, instance types and node counts the configuration asks for; user and GPU pools scale from zero", () => {
            const groups = new Map(nodeGroupsOf(plan).map((g) => [g.pool, g.nodeGroup]));
            const system = groups.get("system")!;
            assert.equal(input(system, "capacityType"), config.systemPool.spot ? "SPOT" : "ON_DEMAND");
            assert.deepEqual(input(system, "scalingConfig"), { minSize: config.systemPool.nodes, maxSize: config.systemPool.nodes, desiredSize: config.systemPool.nodes });
            assert.deepEqual(input(system, "instanceTypes"), cpuPoolInstanceTypes(config, "aws", "system"));

            const user = groups.get("user")!;
            assert.equal(input(user, "capacityType"), config.userPool.spot ? "SPOT" : "ON_DEMAND");
            assert.deepEqual(input(user, "instanceTypes"), cpuPoolInstanceTypes(config, "aws", "user"));
            assert.ok((input(user, "instanceTypes") as string[]).length >= 2, "several instance types, so spot requests find capacity");
            assert.equal(input(user, "scalingConfig", "minSize"), 0);
            assert.equal(input(user, "scalingConfig", "maxSize"), config.userPool.maxNodes);

            for (const pool of config.gpuPools) {
                const group = groups.get(pool.name)!;
                assert.equal(input(group, "capacityType"), pool.spot ? "SPOT" : "ON_DEMAND");
                assert.deepEqual(input(group, "instanceTypes"), gpuMachine(pool.gpu, "aws").instanceTypes);
                assert.equal(input(group, "scalingConfig", "minSize"), 0);
                assert.equal(input(group, "scalingConfig", "desiredSize"), 0, "no GPU node runs until a pod asks for one");
                assert.equal(input(group, "scalingConfig", "maxSize"), pool.maxNodes);
            }
        });

        it("follow spot settings both ways: a spot system pool, an on-demand GPU pool", async () => {
            const groups = new Map(nodeGroupsOf((await flipped()).plan).map((g) => [g.pool, g.nodeGroup]));
            assert.equal(input(groups.get("system")!, "capacityType"), "SPOT");
            assert.ok(config.gpuPools.length > 0);
            for (const pool of config.gpuPools) assert.equal(input(groups.get(pool.name)!, "capacityType"), "ON_DEMAND");
        });

        it("label user and GPU nodes for z2jh, taint them so only their pods land there, and leave the system nodes untainted", () => {
            for (const { nodeGroup, pool } of nodeGroupsOf(plan)) {
                const labels = input(nodeGroup, "labels") as Record<string, string>;
                const taints = (input(nodeGroup, "taints") ?? []) as { key: string; value?: string; effect: string }[];
                if (pool === "system") {
                    assert.deepEqual(taints, [], "cluster add-ons must be able to run on the system nodes");
                    continue;
                }
                assert.equal(labels["hub.jupyter.org/node-purpose"], "user", pool);
                const gpu = config.gpuPools.some((p) => p.name === pool);
                const expected = gpu ? { key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" } : { key: "hub.jupyter.org/dedicated", value: "user", effect: "NO_SCHEDULE" };
                assert.deepEqual(taints, [expected], pool);
                if (gpu) assert.equal(labels["nvidia.com/gpu.present"], "true", "NVIDIA's device plugin selects on it");
            }
            const poolLabels = nodeGroupsOf(plan).map((g) => (input(g.nodeGroup, "labels") as Record<string, string>)["workbench/pool"]);
            assert.equal(new Set(poolLabels).size, poolLabels.length, "each pool has its own label value, so selectors are exact");
        });

        it("launch with IMDSv2 required and an encrypted gp3 root volume sized for the pool", () => {
            for (const { pool, launchTemplate } of nodeGroupsOf(plan)) {
                assert.equal(input(launchTemplate, "metadataOptions", "httpTokens"), "required", pool);
                const [device] = input(launchTemplate, "blockDeviceMappings") as { ebs: Record<string, unknown> }[];
                const gpu = config.gpuPools.some((p) => p.name === pool);
                const size = gpu ? NODE_DISK_GIB.gpu : pool === "system" ? NODE_DISK_GIB.system : NODE_DISK_GIB.user;
                assert.deepEqual([device.ebs["volumeType"], device.ebs["encrypted"], device.ebs["volumeSize"]], ["gp3", "true", size], pool);
            }
        });

        it("tell the shared layer the managed node group cap as each pool's pod slots, and the memory nodeadm still leaves", () => {
            const pools = poolSpecs(config);
            for (const spec of [pools.system, pools.user, ...pools.gpu]) {
                // every catalog type is Nitro and under 30 vCPUs here: the cap, not the ENIs, bounds the pods
                assert.equal(nodePoolOf(spec).maxPods, 110, spec.name);
                assert.equal(nodePoolOf({ ...spec, prefixDelegation: false }).maxPods, Math.min(...spec.instanceTypes.map((t) => maxPodsOfType(t, false))), spec.name);
            }
            // the t3a.medium: 17 pods without prefixes (eni-max-pods.txt), and kube-reserved memory for those 17 either way
            assert.equal(nodePoolOf({ ...pools.system, prefixDelegation: false }).maxPods, 17);
            const memory = Math.floor(4 * 1024 * 0.94 - (255 + 11 * 17) - 100);
            assert.equal(nodePoolOf(pools.system).allocatable?.memoryMiB, memory);
            assert.equal(nodePoolOf({ ...pools.system, prefixDelegation: false }).allocatable?.memoryMiB, memory);
        });

        it("carry the pod addressing mode in their launch template, so a change of mode replaces their nodes", async () => {
            // a node keeps the max-pods its group computed at launch: only a new launch template version rolls it
            for (const { pool, launchTemplate } of nodeGroupsOf(plan)) {
                const specs = input(launchTemplate, "tagSpecifications") as { resourceType: string; tags: Record<string, string> }[];
                assert.equal(specs.find((t) => t.resourceType === "instance")?.tags[POD_ADDRESSING_TAG], "prefixes", pool);
                assert.equal(specs.find((t) => t.resourceType === "volume")?.tags[POD_ADDRESSING_TAG], undefined, `${pool}: a disk has no pods`);
            }
            const { plan: off } = await planAwsVariant({ "workbench:aws": { prefixDelegation: false } });
            assert.equal(input(ofType(off, T.cluster)[0], "vpcCniOptions", "configurationValues", "env", "ENABLE_PREFIX_DELEGATION"), "false", "written out, so turning it off updates the add-on");
            assert.equal(input(ofType(off, T.cluster)[0], "vpcCniOptions", "configurationValues", "env", "WARM_PREFIX_TARGET"), undefined);
            for (const { pool, launchTemplate } of nodeGroupsOf(off)) {
                const specs = input(launchTemplate, "tagSpecifications") as { resourceType: string; tags: Record<string, string> }[];
                assert.equal(specs.find((t) => t.resourceType === "instance")?.tags[POD_ADDRESSING_TAG], undefined, pool);
            }
        });

        it("wait for the control plane and for their node role's policies", () => {
            const [cluster] = ofType(plan, T.cluster);
            for (const { nodeGroup } of nodeGroupsOf(plan)) {
                assert.ok(nodeGroup.dependsOn.includes(cluster.urn), `${nodeGroup.name} waits for the cluster`);
                const role = dependencyOf(plan, nodeGroup, T.role);
                const attachments = ofType(plan, T.attachment).filter((a) => a.dependsOn.includes(role.urn));
                assert.ok(attachments.length > 0);
                for (const attachment of attachments) assert.ok(nodeGroup.dependsOn.includes(attachment.urn), `${nodeGroup.name} waits for ${attachment.name}`);
            }
        });
    });

    describe("scale from zero", () => {
        it("tags each node group's Auto Scaling group with exactly its labels (EKS's capacity label included), taints and GPUs", () => {
            for (const { nodeGroup, pool, tags } of nodeGroupsOf(plan)) {
                const labelTags = Object.fromEntries(
                    Object.entries(tags).filter(([k]) => k.startsWith(`${TEMPLATE}/label/`)).map(([k, v]) => [k.slice(`${TEMPLATE}/label/`.length), v]),
                );
                const expectedLabels = { ...(input(nodeGroup, "labels") as Record<string, string>), "eks.amazonaws.com/capacityType": String(input(nodeGroup, "capacityType")) };
                assert.deepEqual(labelTags, expectedLabels, `${pool}: label tags`);

                const taintTags = Object.fromEntries(
                    Object.entries(tags).filter(([k]) => k.startsWith(`${TEMPLATE}/taint/`)).map(([k, v]) => [k.slice(`${TEMPLATE}/taint/`.length), v]),
                );
                const taints = (input(nodeGroup, "taints") ?? []) as { key: string; value?: string; effect: string }[];
                assert.deepEqual(taintTags, Object.fromEntries(taints.map((t) => [t.key, `${t.value ?? ""}:${EKS_EFFECTS[t.effect]}`])), `${pool}: taint tags`);

                const gpuPool = config.gpuPools.find((p) => p.name === pool);
                const gpuTag = tags[`${TEMPLATE}/resources/nvidia.com/gpu`];
                assert.equal(gpuTag, gpuPool ? String(gpuMachine(gpuPool.gpu, "aws").gpuCount) : undefined, `${pool}: GPU count tag`);
            }
        });

        it("tags the Auto Scaling group EKS created for that very node group, on the group only (not propagated)", () => {
            for (const { nodeGroup, tagResources } of nodeGroupsOf(plan)) {
                const prefix = String(input(nodeGroup, "nodeGroupNamePrefix"));
                for (const tag of tagResources) {
                    assert.ok(tag.dependsOn.includes(nodeGroup.urn), `${tag.name} takes its group name from ${nodeGroup.name}`);
                    assert.ok(String(input(tag, "autoscalingGroupName")).startsWith(`eks-${prefix}`), String(input(tag, "autoscalingGroupName")));
                    assert.equal(input(tag, "tag", "propagateAtLaunch"), false);
                }
            }
        });

        it("tags every group for auto-discovery with the cluster's name, which is the only tag the autoscaler's role may scale", () => {
            const clusterName = String(input(ofType(plan, T.cluster)[0], "name"));
            const autoscalerRole = ofType(plan, T.role).find((r) => irsaTrustOrUndefined(r)?.subject === "system:serviceaccount:kube-system:cluster-autoscaler");
            assert.ok(autoscalerRole, "the cluster-autoscaler has its own IAM role");
            const policy = ofType(plan, T.rolePolicy).find((p) => p.dependsOn.includes(autoscalerRole.urn))!;
            const statements = statementsOf(input(policy, "policy"));
            const writes = statements.filter((s) => list(s.Action).some((a) => ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"].includes(a)));
            assert.ok(writes.length > 0);
            for (const write of writes) {
                const condition = write.Condition?.["StringEquals"] ?? {};
                const [[key, value]] = Object.entries(condition);
                assert.equal(key, `aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`, "scaling is conditioned on this cluster's ownership tag");
                for (const { pool, tags } of nodeGroupsOf(plan)) {
                    assert.equal(tags[key.slice("aws:ResourceTag/".length)], value, `${pool}'s group carries the tag the condition asks for`);
                    assert.equal(tags["k8s.io/cluster-autoscaler/enabled"], "true", pool);
                }
            }
            // every other statement only reads
            for (const statement of statements.filter((s) => !writes.includes(s))) {
                for (const action of list(statement.Action)) assert.match(action, /:(Describe|Get)/, action);
            }
        });

        it("installs the autoscaler as the ServiceAccount its role trusts, discovering this cluster's groups, when the shared layer installs it", function () {
            const release = ofType(plan, T.release).find((r) => input(r, "chart") === "cluster-autoscaler");
            if (!release) this.skip(); // the shared layer installs the chart from the capability; until then the in-process test covers the request
            const values = input(release, "values") as Record<string, Record<string, unknown>>;
            const clusterName = input(ofType(plan, T.cluster)[0], "name");
            assert.equal(values["cloudProvider"], "aws");
            assert.equal(values["awsRegion"], readStackConfig(PROJECT_DIR, "aws").config["aws:region"]);
            assert.equal(values["autoDiscovery"]["clusterName"], clusterName);
            const account = (values["rbac"] as { serviceAccount: { name: string; annotations: Record<string, string> } }).serviceAccount;
            const role = dependencyOf(plan, release, T.role);
            assert.equal(irsaTrust(role).subject, `system:serviceaccount:${String(input(release, "namespace"))}:${account.name}`);
            assert.ok(account.annotations["eks.amazonaws.com/role-arn"].includes(`:role/${role.name}-`), "the annotation names that role");
        });
    });

    describe("storage", () => {
        it("installs the EBS CSI driver add-on with its own role, trusted by its controller's ServiceAccount only, after the system nodes", () => {
            const addon = ofType(plan, T.addon).find((a) => input(a, "addonName") === "aws-ebs-csi-driver");
            assert.ok(addon);
            const role = dependencyOf(plan, addon, T.role);
            assert.equal(irsaTrust(role).subject, "system:serviceaccount:kube-system:ebs-csi-controller-sa");
            const attachments = ofType(plan, T.attachment).filter((a) => a.dependsOn.includes(role.urn));
            assert.deepEqual(attachments.map((a) => String(input(a, "policyArn")).split(":policy/")[1]), ["service-role/AmazonEBSCSIDriverPolicy"]);
            assert.equal(ofType(plan, T.rolePolicy).filter((p) => p.dependsOn.includes(role.urn)).length, 0, "no extra permissions");
            const system = nodeGroupsOf(plan).find((g) => g.pool === "system")!;
            assert.ok(addon.dependsOn.includes(system.nodeGroup.urn));
            const configuration = JSON.parse(String(input(addon, "configurationValues"))) as { node: { tolerateAllTaints: boolean } };
            assert.equal(configuration.node.tolerateAllTaints, true, "homes are mounted on the tainted user and GPU nodes");
        });

        it("makes an encrypted gp3 class whose volumes are retained the one default storage class", () => {
            const classes = ofType(plan, T.storageClass);
            const defaults = classes.filter((c) => input(c, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") === "true");
            assert.equal(defaults.length, 1);
            const [retained] = defaults;
            assert.equal(input(retained, "provisioner"), "ebs.csi.aws.com");
            assert.equal(input(retained, "reclaimPolicy"), "Retain");
            assert.equal(input(retained, "volumeBindingMode"), "WaitForFirstConsumer");
            assert.equal(input(retained, "allowVolumeExpansion"), true);
            assert.deepEqual([input(retained, "parameters", "type"), input(retained, "parameters", "encrypted")], ["gp3", "true"]);
        });
    });

    describe("bucket", () => {
        const protections = [T.publicAccessBlock, T.ownership, T.encryption, T.versioning, T.lifecycle, T.bucketPolicy];

        it("is private, owner-enforced, encrypted, versioned, with lifecycle rules from the configuration", () => {
            const [bucket] = ofType(plan, T.bucket);
            const of = (type: string) => {
                const found = ofType(plan, type).filter((r) => r.dependsOn.includes(bucket.urn));
                assert.equal(found.length, 1, type);
                return found[0];
            };
            for (const key of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
                assert.equal(input(of(T.publicAccessBlock), key), true, key);
            }
            assert.equal(input(of(T.ownership), "rule", "objectOwnership"), "BucketOwnerEnforced");
            const [sse] = input(of(T.encryption), "rules") as { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[];
            assert.ok(["AES256", "aws:kms"].includes(sse.applyServerSideEncryptionByDefault.sseAlgorithm));
            assert.equal(input(of(T.versioning), "versioningConfiguration", "status"), config.storage.versioning ? "Enabled" : "Suspended");

            const rules = input(of(T.lifecycle), "rules") as Record<string, Record<string, number> | string>[];
            const abort = rules.map((r) => r["abortIncompleteMultipartUpload"]).find((a) => a !== undefined) as Record<string, number>;
            assert.equal(abort["daysAfterInitiation"], config.storage.abortIncompleteUploadDays);
            const noncurrent = rules.map((r) => r["noncurrentVersionExpiration"]).find((a) => a !== undefined) as Record<string, number>;
            assert.equal(noncurrent["noncurrentDays"], config.storage.noncurrentVersionDays);
            for (const rule of rules) assert.equal(rule["status"], "Enabled");
            assert.equal(input(bucket, "forceDestroy"), undefined, "S3 must refuse to delete a bucket holding data");
        });

        it("refuses every request not made over TLS, to the bucket and its objects", () => {
            const [bucket] = ofType(plan, T.bucket);
            const [policy] = ofType(plan, T.bucketPolicy);
            const bucketName = String(plan.outputs["bucketUrl"]).replace(/^s3:\/\//, "");
            const deny = statementsOf(input(policy, "policy")).find((s) => s.Effect === "Deny");
            assert.ok(deny && policy.dependsOn.includes(bucket.urn));
            assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.equal(deny.Principal, "*");
            assert.deepEqual(list(deny.Action), ["s3:*"]);
            assert.deepEqual(list(deny.Resource).sort(), [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`]);
        });

        it("is retained on destroy with all its protections, and only when configured so", async () => {
            assert.equal(config.storage.retainOnDestroy, true);
            for (const type of [T.bucket, ...protections]) {
                for (const r of ofType(plan, type)) assert.equal(r.retainOnDelete, true, `${type} ${r.name}`);
            }
            const { plan: disposable } = await flipped();
            for (const type of [T.bucket, ...protections]) {
                for (const r of ofType(disposable, type)) assert.equal(r.retainOnDelete, false, `${type} ${r.name}`);
            }
            assert.equal(input(ofType(disposable, T.versioning)[0], "versioningConfiguration", "status"), "Suspended");
        });
    });

    describe("notebook identity", () => {
        /** The ServiceAccount the shared layer binds to the bucket, and the role its annotation names. */
        function notebookAccount() {
            // the notebooks' account (the Spark driver's is bound separately, DESIGN §5b)
            const notebooks = String(atPath(valuesOf(plan, "jupyterhub"), "singleuser", "serviceAccountName"));
            const accounts = ofType(plan, T.serviceAccount).filter((sa) => input(sa, "metadata", "annotations", "eks.amazonaws.com/role-arn") !== undefined && input(sa, "metadata", "name") === notebooks);
            assert.equal(accounts.length, 1, "one identity-bound ServiceAccount");
            const [account] = accounts;
            const role = dependencyOf(plan, account, T.role);
            return { account, role };
        }

        it("trusts exactly the namespace/ServiceAccount the shared layer runs notebooks as, for STS, through the cluster's OIDC provider", () => {
            const { account, role } = notebookAccount();
            const trust = irsaTrust(role);
            assert.equal(trust.subject, `system:serviceaccount:${String(input(account, "metadata", "namespace"))}:${String(input(account, "metadata", "name"))}`);
            assert.equal(trust.audience, "sts.amazonaws.com");
            assert.deepEqual(Object.keys(trust.conditions), ["StringEquals"], "no StringLike wildcard");
            assert.match(trust.federated, /^arn:aws:iam::\d{12}:oidc-provider\/oidc\.eks\./);
            assert.ok(role.dependsOn.includes(ofType(plan, T.cluster)[0].urn), "the provider is the cluster's");
            assert.ok(String(input(account, "metadata", "annotations", "eks.amazonaws.com/role-arn")).includes(`:role/${role.name}-`));
        });

        it("may read and write the bucket and name no other resource", () => {
            const { role } = notebookAccount();
            const policies = ofType(plan, T.rolePolicy).filter((p) => p.dependsOn.includes(role.urn));
            assert.equal(policies.length, 1);
            assert.equal(ofType(plan, T.attachment).filter((a) => a.dependsOn.includes(role.urn)).length, 0, "no managed policies on top");
            const bucketArn = `arn:aws:s3:::${String(plan.outputs["bucketUrl"]).replace(/^s3:\/\//, "")}`;
            const statements = statementsOf(input(policies[0], "policy"));
            const actions = statements.filter((s) => s.Effect === "Allow").flatMap((s) => list(s.Action));
            // Allow on the bucket; Deny only under the platform's prefixes (backups, MLflow's artifacts: DESIGN §5b.6)
            for (const statement of statements) {
                const allowed = statement.Effect === "Allow" ? [bucketArn, `${bucketArn}/*`] : [bucketArn, `${bucketArn}/backups/*`, `${bucketArn}/mlflow/*`];
                for (const resourceName of list(statement.Resource)) assert.ok(allowed.includes(resourceName), `${statement.Effect} ${resourceName}`);
            }
            const denied = statements.filter((s) => s.Effect === "Deny").flatMap((s) => list(s.Resource));
            for (const prefix of ["backups", "mlflow"]) assert.ok(denied.includes(`${bucketArn}/${prefix}/*`), `users' identity is denied ${prefix}/`);
            for (const needed of ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) assert.ok(actions.includes(needed), needed);
            for (const action of actions) assert.ok(action.startsWith("s3:") && !action.includes("*"), action);
            assert.ok(!actions.includes("s3:DeleteObjectVersion"), "versions stay recoverable");
        });
    });

    describe("budget and outputs", () => {
        it("turns workbench:budget into an AWS monthly cost budget that e-mails the configured addresses", () => {
            const [budget] = ofType(plan, T.budget);
            assert.equal(Number(input(budget, "limitAmount")), config.budget.monthlyUsd);
            assert.deepEqual([input(budget, "limitUnit"), input(budget, "timeUnit"), input(budget, "budgetType")], ["USD", "MONTHLY", "COST"]);
            const notifications = input(budget, "notifications") as { notificationType: string; threshold: number; subscriberEmailAddresses: string[] }[];
            assert.ok(notifications.some((n) => n.notificationType === "ACTUAL" && n.threshold === 100));
            assert.ok(notifications.some((n) => n.notificationType === "FORECASTED"), "warns before the money is spent");
            for (const n of notifications) assert.deepEqual(n.subscriberEmailAddresses, config.budget.alertEmails);
        });

        it("warns when the budget has no one to e-mail", async () => {
            const { plan: silent } = await flipped();
            assert.equal(ofType(silent, T.budget).length, 1);
            assert.ok(silent.warnings.some((w) => w.includes("workbench:budget.alertEmails")), silent.warnings.join("\n"));
        });

        it("exports the kubeconfig as a secret, the cluster name, the region and the bucket URL", () => {
            assert.equal(plan.outputs["kubeconfig"], "[secret]");
            assert.equal(plan.outputs["clusterName"], input(ofType(plan, T.cluster)[0], "name"));
            assert.equal(plan.outputs["region"], readStackConfig(PROJECT_DIR, "aws").config["aws:region"]);
            assert.match(String(plan.outputs["bucketUrl"]), /^s3:\/\/[a-z0-9][a-z0-9.-]+$/);
        });
    });

    describe("component conventions", () => {
        it("parents every AWS resource inside the workbench:aws:Platform component, with names derived from it", () => {
            const platform = ofType(plan, "workbench:aws:Platform");
            assert.equal(platform.length, 1);
            const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
            const insidePlatform = (r: PlannedResource): boolean => {
                for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined) if (p.urn === platform[0].urn) return true;
                return false;
            };
            for (const r of plan.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("eks:") || r.type.startsWith("workbench:aws:"))) {
                if (r.urn === platform[0].urn) continue;
                assert.ok(insidePlatform(r), `${r.type} ${r.name} is inside the platform`);
                assert.ok(r.name.startsWith(platform[0].name), `${r.type} ${r.name} is named after the platform`);
            }
        });
    });
});

/** The IRSA trust of a role, or undefined for a role trusted by a service. */
function irsaTrustOrUndefined(role: PlannedResource): ReturnType<typeof irsaTrust> | undefined {
    const [statement] = statementsOf(input(role, "assumeRolePolicy"));
    return statement.Action === "sts:AssumeRoleWithWebIdentity" ? irsaTrust(role) : undefined;
}

describe("AWS settings that cannot work fail the plan, naming the key", () => {
    const failing = async (config: Record<string, unknown>, key: string, opts: { nothingCreated: boolean }) => {
        const { status, document } = await runPlan("aws", { stackFile: variantStackFile("aws", config) });
        assert.notEqual(status, 0);
        const keys = (document.problems ?? []).map((p) => p.key);
        assert.ok(keys.includes(key), `problems name ${key}: ${keys.join(", ")} (${document.error ?? ""})`);
        if (opts.nothingCreated) assert.deepEqual(document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.urn), []);
        return document;
    };

    it("an aws:region that is no region", () => failing({ "aws:region": "moon-base-1" }, "aws:region", { nothingCreated: true }));

    it("a GPU class AWS has no instance for", () => failing({ "workbench:gpuPools": [{ name: "old", gpu: "v100" }] }, "workbench:gpuPools[0].gpu", { nothingCreated: true }));

    it("fewer than two availability zones", () => failing({ "workbench:aws": { availabilityZones: 1 } }, "workbench:aws.availabilityZones", { nothingCreated: true }));

    it("more zones than the region has where EKS can place subnets", async () => {
        // us-west-1 shows three zone IDs, of which EKS rejects usw1-az2
        // the zones are looked up before any resource registers
        const document = await failing({ "aws:region": "us-west-1", "workbench:aws": { availabilityZones: 3 } }, "workbench:aws.availabilityZones", { nothingCreated: true });
        assert.match(document.error ?? "", /us-west-1 has 2 zones/);
    });

    it("Arm and x86 instance types mixed in one pool", () =>
        failing({ "workbench:aws": { userInstanceTypes: ["m7g.xlarge", "m6i.xlarge"] } }, "workbench:aws.userInstanceTypes", { nothingCreated: true }));

    it("more budget e-mail addresses than AWS Budgets sends to", () =>
        failing(
            { "workbench:budget": { monthlyUsd: 167, alertEmails: Array.from({ length: 11 }, (_, i) => `user${i}@example.org`) } },
            "workbench:budget.alertEmails",
            { nothingCreated: true },
        ));
});
