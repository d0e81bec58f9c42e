import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../stacks/load";
import type { WorkbenchConfig } from "../../stacks/schema";
import { checkKubernetesVersion, CPU_SHAPES, gpuClassesOn, gpuMachine } from "../catalog";
import { GpuPool, ObjectStore, Platform, PlatformCluster, PlatformModule, SystemPoolSizing } from "../contract";
import { staleCatalogWarning, unknownRegionProblem } from "../catalog/regions";
import { AWS_NAT_DATA_PER_GB } from "../../cost/prices/aws";
import { systemPoolSizing } from "../system-pool";
import { AWS_REGIONS } from "./regions";
import { GpuPoolDemand, gpuQuotaWarnings, QuotaAnswer, quotaOf } from "./gpu-quota";
import { BlockStorage, EKS_SNAPSHOT_CONTROLLER_PODS, ebsVolumeSnapshots } from "./block-storage";
import { budgetProblems, createBudget } from "./budget";
import { DataBucket } from "./bucket";
import { EksCluster, KUBERNETES_SERVICE_IP } from "./cluster";
import { clusterAdmins, creatorListedProblems } from "./cluster-access";
import { clusterAutoscaler } from "./cluster-autoscaler";
import { AwsContext, awsContext, clusterNameOf } from "./context";
import { coreDnsAddon } from "./coredns";
import { S3ObjectStore } from "./identity";
import { EKS_SYSTEM_AGENTS } from "./system-agents";
import { Network, VPC_CIDR } from "./network";
import { createNodeRole, NodeGroup } from "./node-groups";
import { gpuPoolOf, instanceTypeProblems, nodePoolOf, POOL_LABEL, poolDemands, PoolSpec, poolSpecs, spotFirstPriorities } from "./pools";
import { chooseZones, lookUpExistingZones, lookUpOfferings, lookUpZones, PoolDemand, ZoneChoice } from "./zones";

/** The in-tree AWS load balancer annotations the hub's Service carries (kubernetes/cloud-provider-aws). */
export const LB_TYPE_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-type";
/** Subnet IDs or `Name` tags (resolved inside the cluster's VPC) the load balancer is placed in. */
export const LB_SUBNETS_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-subnets";
/** `key=value` labels selecting the nodes registered as the load balancer's targets. */
export const LB_TARGET_NODES_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-target-node-labels";

/**
 * Annotations for the hub's public Service, read by the AWS cloud provider's service controller that EKS
 * runs: a Network Load Balancer (what the cost estimate prices) in ONE public subnet, the node zone's, so
 * it holds one public IPv4 instead of one per zone (every target is in that zone anyway); and only the
 * system nodes, where the proxy runs, as targets, so user and GPU nodes coming and going do not churn
 * the target group. Source ranges, when the shared layer sets them on the Service, also become the only
 * sources the nodes' security group admits on the hub's NodePorts (the controller copies them there).
 */
export function loadBalancerAnnotations(publicSubnetName: string, systemSelector: Record<string, string>): Record<string, string> {
    return {
        [LB_TYPE_ANNOTATION]: "nlb",
        [LB_SUBNETS_ANNOTATION]: publicSubnetName,
        [LB_TARGET_NODES_ANNOTATION]: Object.entries(systemSelector).map(([key, value]) => `${key}=${value}`).join(","),
    };
}

/** What the AWS platform's configuration check looked up, for the platform to build with. */
export interface AwsLookups {
    /** The EKS minor version: configured, or the catalog's default. */
    kubernetesVersion: string;
    /** The zones and what the node zone sells, chosen before any resource registers. */
    zones: ZoneChoice;
    /** The live desired size of each existing node group, by {@link liveSizeKey}; empty before the first deploy. */
    liveDesired: ReadonlyMap<string, number>;
}

/**
 * The workbench on AWS: a VPC, an EKS cluster with managed node groups that scale from zero
 * (cluster-autoscaler tags on their Auto Scaling groups), EBS volumes retained on a default gp3
 * class, a private S3 bucket bound to the notebooks' ServiceAccount through IRSA, and a budget alert.
 */
export class AwsPlatform extends pulumi.ComponentResource implements Platform {
    readonly cloud = "aws" as const;
    readonly cluster: PlatformCluster;
    readonly gpuPools: GpuPool[];
    readonly objectStore: ObjectStore;
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, settings: StackSettings, found: AwsLookups, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:aws:Platform", name, {}, opts);
        const { config } = settings;
        const { kubernetesVersion } = found;

        const context: AwsContext = awsContext(name, settings);
        const pools = poolSpecs(config, found.zones.offered);

        const network = new Network(name, { context, zones: found.zones.zones, privateNodes: config.aws.privateNodes }, { parent: this });
        const eks = new EksCluster(
            name,
            {
                context,
                kubernetesVersion: kubernetesVersion,
                vpcId: network.vpcId,
                publicSubnetIds: network.publicSubnetIds,
                privateSubnetIds: network.privateSubnetIds,
                apiAllowedCidrs: config.aws.apiAllowedCidrs,
                prefixDelegation: config.aws.prefixDelegation,
            },
            { parent: this },
        );

        const nodeRole = createNodeRole(`${name}-node`, context, this);
        const nodeGroup = (pool: PoolSpec) =>
            new NodeGroup(
                `${name}-${pool.role === "gpu" ? `gpu-${pool.name}` : pool.name}`,
                {
                    context,
                    pool,
                    kubernetesVersion: kubernetesVersion,
                    nodeRole,
                    subnetIds: network.nodeSubnetIds,
                    cluster: eks.cluster,
                    liveDesiredSize: found.liveDesired.get(liveSizeKey(pool.selectorLabels[POOL_LABEL], pool.capacityType)),
                },
                { parent: this },
            );
        const systemNodes = nodeGroup(pools.system);
        const userNodes = nodeGroup(pools.user);
        const gpuNodes = [...pools.gpu, ...pools.gpuFallback].map(nodeGroup);
        const servingNodes = pools.serving ? nodeGroup(pools.serving) : undefined;

        const coreDns = coreDnsAddon(name, { context, systemNodes: systemNodes.nodeGroup }, this);
        const storage = new BlockStorage(name, { context, oidc: eks.oidc, provider: eks.provider, systemNodes: systemNodes.nodeGroup }, { parent: this });
        const instanceTypes = [pools.system, pools.user, ...pools.gpu, ...(pools.serving ? [pools.serving] : [])].flatMap((pool) => pool.instanceTypes);
        const autoscaler = clusterAutoscaler(`${name}-cluster-autoscaler`, { context, oidc: eks.oidc, instanceTypes, priorities: spotFirstPriorities(pools.gpuFallback) }, this);
        clusterAdmins(`${name}-admin`, { context, principalArns: config.aws.clusterAdmins, cluster: eks.cluster }, this);

        this.cluster = {
            name: pulumi.output(context.clusterName),
            provider: eks.provider,
            kubeconfig: eks.kubeconfig,
            retainedStorageClass: storage.storageClassName,
            kubernetesVersion,
            systemPool: nodePoolOf(pools.system),
            systemAgents: EKS_SYSTEM_AGENTS,
            userPool: nodePoolOf(pools.user),
            ...(pools.serving ? { servingPool: nodePoolOf(pools.serving) } : {}),
            capabilities: {
                // the AL2023 NVIDIA AMI ships the driver and container toolkit, not the device plugin
                nvidiaDevicePlugin: pools.gpu.length > 0,
                clusterAutoscaler: autoscaler.request,
                // IRSA hands pods their credentials; the hub keeps blocking the node's metadata server
                podsNeedMetadataServer: false,
            },
            hubService: { type: "LoadBalancer", annotations: loadBalancerAnnotations(network.nodeZonePublicSubnetName, pools.system.selectorLabels) },
            // The VPC CNI's network-policy agent filters on the pod's host-side veth, before kube-proxy translates
            // the Service address, so it sees `kubernetes.default`'s ClusterIP (aws/aws-network-policy-agent
            // pkg/ebpf/bpf_client.go; aws/amazon-network-policy-controller-k8s pkg/resolvers/endpoints.go: "unable to
            // see the pod IP after the DNAT happens for the clusterIPs"). The private endpoint's network interfaces
            // in the VPC's subnets are listed too, for clients that use the endpoint's name.
            apiServerEgress: [
                { cidr: `${KUBERNETES_SERVICE_IP}/32`, ports: [443] },
                { cidr: VPC_CIDR, ports: [443] },
            ],
            // IAM's OIDC provider keeps the issuer without its scheme (the condition keys' prefix)
            oidcIssuer: pulumi.interpolate`https://${eks.oidc.issuer}`,
            volumeSnapshots: ebsVolumeSnapshots(name, { context, systemNodes: systemNodes.nodeGroup, driver: storage.addon, parent: this }),
            readyWhen: [systemNodes.nodeGroup, userNodes.nodeGroup, ...gpuNodes.map((g) => g.nodeGroup), ...(servingNodes ? [servingNodes.nodeGroup] : []), coreDns, storage.addon, storage.storageClass],
        };
        this.gpuPools = pools.gpu.map(gpuPoolOf);

        const bucket = new DataBucket(`${name}-data`, { context, storage: config.storage }, { parent: this });
        this.objectStore = new S3ObjectStore({ context, bucket, oidc: eks.oidc, parent: this });

        createBudget(`${name}-budget`, { context, budget: config.budget }, this);

        this.outputs = { kubeconfig: eks.kubeconfig, clusterName: this.cluster.name, region: context.region, nodeZone: network.nodeZone, nodeZoneId: found.zones.zones[0].id };
        this.registerOutputs({ clusterName: this.cluster.name, region: context.region, bucketName: bucket.bucketName });
    }
}

/** The warning for an API endpoint open to the whole internet. */
export function openApiWarning(cidrs: readonly string[]): string[] {
    return cidrs.includes("0.0.0.0/0")
        ? [
              "The Kubernetes API endpoint accepts connections from anywhere (workbench:aws.apiAllowedCidrs contains 0.0.0.0/0; " +
                  "requests still need valid AWS credentials). Limit it to your own addresses, e.g. pulumi config set --path " +
                  "'workbench:aws.apiAllowedCidrs[0]' <your-ip>/32, keeping the machine that runs pulumi inside the list.",
          ]
        : [];
}

/**
 * The system node group at each size class, for the always-on fit check: the same pool description the
 * node group is built from (instance type, the VPC CNI's pod slots), with EKS's own pods and the
 * cluster-autoscaler the platform asks for. An instance type override sizes the pool instead of the class.
 */
function awsSystemPoolSizing(config: WorkbenchConfig): SystemPoolSizing {
    const overridden = config.aws.systemInstanceTypes;
    return systemPoolSizing(config, {
        poolAt: (size) => nodePoolOf(poolSpecs({ ...config, systemPool: { ...config.systemPool, size } }).system),
        agents: EKS_SYSTEM_AGENTS,
        installsAutoscaler: true,
        key: overridden
            ? {
                  key: "workbench:aws.systemInstanceTypes",
                  given: overridden,
                  advice: (fitting) => `choose larger instance types${fitting ? ` (size ${fitting}: ${CPU_SHAPES[fitting].vcpu} vCPU, ${CPU_SHAPES[fitting].memoryGiB} GiB)` : ""}, or switch services off`,
              }
            : undefined,
    });
}

/** The serving pool's contract data (shape, pod slots, allocatable) for the fit check, when configured. */
function servingPoolOf(config: WorkbenchConfig | undefined) {
    const spec = config?.servingPool ? poolSpecs(config).serving : undefined;
    return spec ? nodePoolOf(spec) : undefined;
}

function zoneDemands(parsed: Partial<WorkbenchConfig>): { config: WorkbenchConfig; demands: PoolDemand[] } | undefined {
    const { aws: awsSettings, systemPool, userPool, gpuPools } = parsed;
    if (!awsSettings || !systemPool || !userPool || !gpuPools) return undefined;
    // a GPU class AWS does not sell is reported by the cross-key rules
    if (!gpuPools.every((pool) => gpuClassesOn("aws").includes(pool.gpu))) return undefined;
    const config = parsed as WorkbenchConfig;
    if (instanceTypeProblems(config).length > 0) return undefined;
    return { config, demands: poolDemands(config) };
}

/**
 * Everything AWS would refuse that the schema cannot see, checked before any resource exists: instance
 * type lists no node group can run, budget e-mails AWS Budgets refuses, the Kubernetes minor against
 * EKS's standard-support window, and the zones: the region's zones where EKS can place subnets, and the
 * one that sells every pool's instance types (EC2 instance type offerings), which every node then uses.
 */
export const prepare: PlatformModule["prepare"] = async ({ stack, parsed, provider, today }) => {
    const version = checkKubernetesVersion("aws", parsed.kubernetesVersion, today);
    const problems = [
        ...(parsed.aws && parsed.systemPool && parsed.userPool ? instanceTypeProblems(parsed as WorkbenchConfig) : []),
        ...(parsed.budget ? budgetProblems(parsed.budget) : []),
        // an invalid version string is reported by the schema; an absent key means exactly that
        ...("kubernetesVersion" in parsed ? version.problems : []),
    ];
    const warnings = [
        ...version.warnings,
        ...openApiWarning(parsed.aws?.apiAllowedCidrs ?? []),
        ...staleCatalogWarning("AWS regions", AWS_REGIONS, today),
        ...(parsed.aws?.privateNodes ? [natImagePullWarning(parsed.gpuPools ?? [])] : []),
    ];

    let zones: ZoneChoice | undefined;
    let liveDesired: ReadonlyMap<string, number> = new Map();
    const demand = zoneDemands(parsed);
    const region = provider.awsRegion;
    // a region AWS does not have is refused by name, with the nearest real ones, before any lookup
    const regionProblems = region ? unknownRegionProblem(AWS_REGIONS, region) : [];
    problems.push(...regionProblems);
    if (demand && region && regionProblems.length === 0) {
        try {
            const listed = [...new Set(demand.demands.flatMap((pool) => pool.instanceTypes))];
            const name = demand.config.name;
            const [regionZones, offerings, existing] = await Promise.all([lookUpZones(), lookUpOfferings(listed), lookUpExistingZones(name, clusterNameOf(name, stack))]);
            const chosen = chooseZones({ zones: regionZones, offerings, pools: demand.demands, count: demand.config.aws.availabilityZones, region, existing });
            if ("problems" in chosen) problems.push(...chosen.problems);
            else {
                zones = chosen.choice;
                // a deployed stack: its node groups' live sizes, so the update neither resets nor contradicts them
                if (existing.size > 0) liveDesired = await lookUpLiveDesiredSizes(clusterNameOf(name, stack));
                if (zones.dropped.length > 0) {
                    warnings.push(`${zones.zones[0].name} (${zones.zones[0].id}), where every node runs, does not sell ${zones.dropped.join(", ")}: the pools listing them use their other instance types.`);
                }
            }
        } catch (error) {
            problems.push({ key: "aws:region", given: region, allowed: `AWS could not list the region's zones and instance offerings (${error instanceof Error ? error.message : String(error)}); check the region and your AWS credentials` });
        }
    }

    // GPU quota before the first GPU server: read once per quota the pools count against
    if (demand && zones && region) {
        warnings.push(...(await lookUpGpuQuotaWarnings(demand.config, region)));
        warnings.push(...singleSpotPoolWarnings(demand.config, zones));
    }

    const admins = parsed.aws?.clusterAdmins ?? [];
    if (admins.length > 0 && region && regionProblems.length === 0) {
        try {
            problems.push(...creatorListedProblems(admins, (await aws.getCallerIdentity({})).arn));
        } catch {
            // the zone lookups above report unusable credentials or regions
        }
    }

    return {
        problems,
        warnings,
        systemPool: demand ? awsSystemPoolSizing(demand.config) : undefined,
        servingPool: servingPoolOf(demand?.config),
        // EBS snapshots through the EBS CSI driver; the snapshot controller add-on joins the system nodes when used
        volumeSnapshots: { controllerPods: EKS_SNAPSHOT_CONTROLLER_PODS },
        create: (name, settings) => {
            if (!zones) throw new Error("the AWS platform is created only after its zone lookups succeeded");
            return new AwsPlatform(name, settings, { kubernetesVersion: version.minor, zones, liveDesired });
        },
    };
};

/** The GPU pools' quota warnings, from Service Quotas (one lookup per quota; a failed one is reported, not fatal). */
async function lookUpGpuQuotaWarnings(config: WorkbenchConfig, region: string): Promise<string[]> {
    const pools: GpuPoolDemand[] = config.gpuPools.map((pool, i) => {
        const machine = gpuMachine(pool.gpu, "aws");
        return { name: pool.name, key: `workbench:gpuPools[${i}]`, instanceType: machine.instanceTypes[0], vcpu: machine.vcpu, spot: pool.spot };
    });
    const codes = [...new Set(pools.flatMap((pool) => quotaOf(pool)?.code ?? []))];
    const answers = new Map<string, QuotaAnswer>(
        await Promise.all(
            codes.map(async (code): Promise<[string, QuotaAnswer]> => {
                try {
                    const quota = await aws.servicequotas.getServiceQuota({ serviceCode: "ec2", quotaCode: code });
                    return [code, { value: quota.value, name: quota.quotaName }];
                } catch (error) {
                    return [code, { error: firstLine(error instanceof Error ? error.message : String(error)) }];
                }
            }),
        ),
    );
    return gpuQuotaWarnings(pools, region, answers);
}

/** The first non-empty line of an error message, trimmed (provider errors wrap the cause in more lines). */
function firstLine(message: string): string {
    return message.split("\n").map((line) => line.trim()).find((line) => line.length > 0) ?? "no reason given";
}

/**
 * The desired size of each node group of the cluster (EKS DescribeNodegroup), by its `workbench/pool` label. Read
 * only for a stack whose subnets exist; a cluster not created yet (a first deploy that stopped half-way) has none.
 */
async function lookUpLiveDesiredSizes(clusterName: string): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    let names: string[];
    try {
        names = (await aws.eks.getNodeGroups({ clusterName })).names;
    } catch {
        return sizes;
    }
    for (const nodeGroupName of names) {
        const group = await aws.eks.getNodeGroup({ clusterName, nodeGroupName });
        const pool = group.labels[POOL_LABEL];
        const desired = group.scalingConfigs[0]?.desiredSize;
        if (pool !== undefined && desired !== undefined) sizes.set(liveSizeKey(pool, group.capacityType), desired);
    }
    return sizes;
}

/** A node group's key among the live sizes: its `workbench/pool` label and capacity type (a spot pool's on-demand twin shares the label). */
export function liveSizeKey(pool: string, capacityType: string): string {
    return `${pool}/${capacityType}`;
}

/**
 * A spot GPU pool without an on-demand twin asks for one instance type in one zone: one EC2 spot capacity pool.
 * Offerings say a type is sold in a zone, not that spot capacity is there; when it is not, GPU notebooks wait
 * until the autoscaler gives up (aws.md review §5).
 */
export function singleSpotPoolWarnings(config: WorkbenchConfig, zones: ZoneChoice): string[] {
    if (config.aws.spotGpuFallback) return [];
    const spot = config.gpuPools.filter((pool) => pool.spot);
    if (spot.length === 0) return [];
    const names = spot.map((pool) => `${pool.name} (${gpuMachine(pool.gpu, "aws").instanceTypes.filter((type) => zones.offered.has(type)).join("/")})`);
    return [
        `Spot GPU pool${spot.length > 1 ? "s" : ""} ${names.join(", ")} ask${spot.length > 1 ? "" : "s"} for one instance type in one zone (${zones.zones[0].name}): when EC2 has no spot ` +
            "capacity there, GPU notebooks wait until the autoscaler gives up. Set workbench:aws.spotGpuFallback: true for an on-demand node group the " +
            "autoscaler uses only then (on-demand price), or spot: false on the pool.",
    ];
}

/**
 * The compressed download of the workbench's largest public images, GB, as components/versions.ts states them
 * (pangeo-notebook about 2, pytorch-notebook about 7): what a user or GPU node from zero pulls before a server starts.
 */
export const IMAGE_PULL_GB = { userNode: 2, gpuNode: 7 } as const;

/** With private nodes, public image pulls go through the NAT gateway, billed per GB: priced per node start. */
export function natImagePullWarning(gpuPools: readonly unknown[]): string {
    const usd = (gb: number) => (gb * AWS_NAT_DATA_PER_GB.usd).toFixed(2);
    return (
        `With private nodes, images from Docker Hub and quay.io come through the NAT gateway at USD ${AWS_NAT_DATA_PER_GB.usd}/GB (${AWS_NAT_DATA_PER_GB.source}), ` +
        `not in the estimate: each user node started from zero pulls about ${IMAGE_PULL_GB.userNode} GB (USD ${usd(IMAGE_PULL_GB.userNode)})` +
        (gpuPools.length > 0 ? `, each GPU node about ${IMAGE_PULL_GB.gpuNode} GB (USD ${usd(IMAGE_PULL_GB.gpuNode)})` : "") +
        ". Bucket and ECR traffic use the free S3 gateway endpoint."
    );
}
