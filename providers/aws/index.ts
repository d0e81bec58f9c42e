import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../stacks/load";
import type { WorkbenchConfig } from "../../stacks/schema";
import { checkKubernetesVersion } from "../catalog";
import { GpuPool, ObjectStore, Platform, PlatformCluster, PlatformModule } from "../contract";
import { BlockStorage } from "./block-storage";
import { budgetProblems, createBudget } from "./budget";
import { DataBucket } from "./bucket";
import { EksCluster } from "./cluster";
import { clusterAutoscaler } from "./cluster-autoscaler";
import { AwsContext, awsContext } from "./context";
import { S3ObjectStore } from "./identity";
import { EKS_SYSTEM_AGENTS } from "./system-agents";
import { Network, VPC_CIDR } from "./network";
import { createNodeRole, NodeGroup } from "./node-groups";
import { gpuPoolOf, instanceTypeProblems, nodePoolOf, PoolSpec, poolSpecs } from "./pools";

/**
 * Annotations for the hub's public Service: a Network Load Balancer (what the cost estimate prices), in the
 * public subnets, made by the AWS cloud provider's service controller that EKS runs for every cluster.
 */
export const LOAD_BALANCER_ANNOTATIONS: Readonly<Record<string, string>> = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
};

/** What the AWS platform's configuration check looked up, for the platform to build with. */
export interface AwsLookups {
    /** The EKS minor version: configured, or the catalog's default. */
    kubernetesVersion: string;
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
        const pools = poolSpecs(config);

        const network = new Network(name, { context, zoneCount: config.aws.availabilityZones, privateNodes: config.aws.privateNodes }, { parent: this });
        const eks = new EksCluster(
            name,
            {
                context,
                kubernetesVersion: kubernetesVersion,
                vpcId: network.vpcId,
                publicSubnetIds: network.publicSubnetIds,
                privateSubnetIds: network.privateSubnetIds,
                apiAllowedCidrs: config.aws.apiAllowedCidrs,
            },
            { parent: this },
        );

        const nodeRole = createNodeRole(`${name}-node`, context, this);
        const nodeGroup = (pool: PoolSpec) =>
            new NodeGroup(
                `${name}-${pool.role === "gpu" ? `gpu-${pool.name}` : pool.name}`,
                { context, pool, kubernetesVersion: kubernetesVersion, nodeRole, subnetIds: network.nodeSubnetIds, cluster: eks.cluster },
                { parent: this },
            );
        const systemNodes = nodeGroup(pools.system);
        const userNodes = nodeGroup(pools.user);
        const gpuNodes = pools.gpu.map(nodeGroup);

        const storage = new BlockStorage(name, { context, oidc: eks.oidc, provider: eks.provider, systemNodes: systemNodes.nodeGroup }, { parent: this });
        const autoscaler = clusterAutoscaler(`${name}-cluster-autoscaler`, { context, oidc: eks.oidc }, this);

        this.cluster = {
            name: pulumi.output(context.clusterName),
            provider: eks.provider,
            kubeconfig: eks.kubeconfig,
            retainedStorageClass: storage.storageClassName,
            kubernetesVersion,
            systemPool: nodePoolOf(pools.system),
            systemAgents: EKS_SYSTEM_AGENTS,
            userPool: nodePoolOf(pools.user),
            capabilities: {
                // the AL2023 NVIDIA AMI ships the driver and container toolkit, not the device plugin
                nvidiaDevicePlugin: pools.gpu.length > 0,
                clusterAutoscaler: autoscaler.request,
                // IRSA hands pods their credentials; the hub keeps blocking the node's metadata server
                podsNeedMetadataServer: false,
            },
            hubService: { type: "LoadBalancer", annotations: { ...LOAD_BALANCER_ANNOTATIONS } },
            // the private endpoint's network interfaces sit in the VPC's subnets
            apiServerEgress: [{ cidr: VPC_CIDR, ports: [443] }],
            readyWhen: [systemNodes.nodeGroup, userNodes.nodeGroup, ...gpuNodes.map((g) => g.nodeGroup), storage.addon, storage.storageClass],
        };
        this.gpuPools = pools.gpu.map(gpuPoolOf);

        const bucket = new DataBucket(`${name}-data`, { context, storage: config.storage }, { parent: this });
        this.objectStore = new S3ObjectStore({ context, bucket, oidc: eks.oidc, parent: this });

        createBudget(`${name}-budget`, { context, budget: config.budget }, this);

        this.outputs = { kubeconfig: eks.kubeconfig, clusterName: this.cluster.name, region: context.region };
        this.registerOutputs({ clusterName: this.cluster.name, region: context.region, bucketName: bucket.bucketName });
    }
}

/**
 * Everything AWS would refuse that the schema cannot see, checked before any resource exists: instance
 * type lists no node group can run, budget e-mails AWS Budgets refuses, and the Kubernetes minor
 * against EKS's standard-support window.
 */
export const prepare: PlatformModule["prepare"] = async ({ parsed, today }) => {
    const version = checkKubernetesVersion("aws", parsed.kubernetesVersion, today);
    const problems = [
        ...(parsed.aws && parsed.systemPool && parsed.userPool ? instanceTypeProblems(parsed as WorkbenchConfig) : []),
        ...(parsed.budget ? budgetProblems(parsed.budget) : []),
        // an invalid version string is reported by the schema; an absent key means exactly that
        ...("kubernetesVersion" in parsed ? version.problems : []),
    ];
    return {
        problems,
        warnings: version.warnings,
        create: (name, settings) => new AwsPlatform(name, settings, { kubernetesVersion: version.minor }),
    };
};
