import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../stacks/load";
import type { WorkbenchConfig } from "../../stacks/schema";
import { CPU_SHAPES, describeGpuMachine } from "../catalog";
import { GpuPool, NodePool, ObjectStore, Platform, PlatformCluster, PlatformModule, SnapshotControllerDemand, VolumeSnapshots } from "../contract";
import { placementOn, SERVING_POOL_NAME } from "../placement";
import { systemPoolSizing } from "../system-pool";
import { S3CompatibleStore } from "./object-store";

/**
 * A Kubernetes cluster the user already runs (kind, k3d, on-prem, another vendor's).
 * It creates no infrastructure but a retained storage class when asked: node placement,
 * GPU pools and object storage are described by configuration.
 */
export class ExistingPlatform extends pulumi.ComponentResource implements Platform {
    readonly cloud = "existing" as const;
    readonly cluster: PlatformCluster;
    readonly gpuPools: GpuPool[];
    readonly objectStore?: ObjectStore;
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, settings: StackSettings, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:existing:Platform", name, {}, opts);
        const { config, secrets } = settings;
        const existing = config.existing;

        const provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: secrets.kubeconfig, context: existing.context },
            { parent: this },
        );

        const readyWhen: pulumi.Resource[] = [];
        let retainedStorageClass: pulumi.Input<string> = existing.storageClass.name;
        if (existing.storageClass.provisioner) {
            const storageClass = new k8s.storage.v1.StorageClass(
                `${name}-retained`,
                {
                    metadata: { name: existing.storageClass.name },
                    provisioner: existing.storageClass.provisioner,
                    parameters: existing.storageClass.parameters,
                    reclaimPolicy: "Retain",
                    volumeBindingMode: "WaitForFirstConsumer",
                },
                { parent: this, provider },
            );
            retainedStorageClass = storageClass.metadata.name;
            readyWhen.push(storageClass);
        }

        const userShape = CPU_SHAPES[config.userPool.size];
        // the nodes' architecture is known only where the pool's selector pins it with the well-known label
        const architectureOf = (labels: Record<string, string>): Pick<NodePool, "architecture"> => {
            const arch = labels[ARCH_LABEL];
            return arch === "amd64" || arch === "arm64" ? { architecture: arch } : {};
        };
        // The cluster's own nodes are not scaled by this program: the bounds describe what the user said it has.
        const pool = (poolName: string, labels: Record<string, string>, taints: NodePool["taints"], nodes: { minNodes: number; maxNodes: number }): NodePool => ({
            name: poolName,
            labels,
            taints,
            placement: placementOn(labels, taints),
            ...userShape,
            ...nodes,
            spot: false,
            maxPods: KUBELET_DEFAULT_MAX_PODS,
            ...architectureOf(labels),
        });

        this.cluster = {
            name: pulumi.output(existing.context ?? "current-context"),
            provider,
            kubeconfig: secrets.kubeconfig,
            retainedStorageClass,
            kubernetesVersion: config.kubernetesVersion,
            systemPool: pool("system", existing.systemNodeSelector, [], { minNodes: config.systemPool.nodes, maxNodes: config.systemPool.nodes }),
            // what the cluster's own agents take is not known here: the fit check counts the workbench's pods only
            systemAgents: { cpuMillis: 0, memoryMiB: 0, pods: 0 },
            userPool: pool("user", existing.userNodeSelector, existing.userTaints, config.userPool),
            ...(config.servingPool ? { servingPool: existingServingPool(config) } : {}),
            capabilities: {
                nvidiaDevicePlugin: existing.installNvidiaDevicePlugin,
                podsNeedMetadataServer: false,
            },
            // the Service type is workbench:hub.service (existing.hubService folded into it)
            hubService: { annotations: {} },
            apiServerEgress: existing.apiServerCidrs.map((cidr) => ({ cidr, ports: [existing.apiServerPort] })),
            volumeSnapshots: existingVolumeSnapshots(existing),
            readyWhen,
        };

        this.gpuPools = config.gpuPools.map((gpuPool) => {
            // validation guarantees every configured pool is described
            const nodes = existing.gpuNodes.find((n) => n.pool === gpuPool.name)!;
            return {
                name: gpuPool.name,
                labels: nodes.nodeSelector,
                taints: nodes.taints,
                placement: placementOn(nodes.nodeSelector, nodes.taints),
                vcpu: nodes.vcpu,
                memoryGiB: nodes.memoryGiB,
                minNodes: gpuPool.minNodes,
                maxNodes: gpuPool.maxNodes,
                spot: false,
                maxPods: KUBELET_DEFAULT_MAX_PODS,
                ...architectureOf(nodes.nodeSelector),
                gpu: gpuPool.gpu,
                resourceName: nodes.resourceName,
                gpusPerNode: nodes.gpusPerNode,
                description: describeGpuMachine(gpuPool.gpu, { ...nodes, gpuCount: nodes.gpusPerNode }),
            };
        });

        const store = existing.objectStore;
        if (store.type === "s3") {
            this.objectStore = new S3CompatibleStore(store, {
                accessKeyId: secrets.s3AccessKeyId!,
                secretAccessKey: secrets.s3SecretAccessKey!,
            });
        } else {
            pulumi.log.warn(
                "No object storage: notebooks, Dask and Spark get no bucket. Set workbench:existing.objectStore to an S3-compatible endpoint.",
                this,
            );
        }

        this.outputs = { kubeContext: this.cluster.name };
        this.registerOutputs({ kubeContext: this.cluster.name });
    }
}

/**
 * The nodes the user names for served models and apps (`workbench:existing.servingNodeSelector`, required with
 * `workbench:servingPool`, and their `servingTaints`), of `servingPool.size`'s shape. The cluster's owner decides
 * whether they are on demand; this program neither creates nor scales them.
 */
export function existingServingPool(config: WorkbenchConfig): NodePool {
    const serving = config.servingPool;
    const labels = config.existing.servingNodeSelector ?? {};
    const taints = config.existing.servingTaints ?? [];
    if (!serving) throw new Error("existingServingPool needs workbench:servingPool");
    const arch = labels[ARCH_LABEL];
    return {
        name: SERVING_POOL_NAME,
        labels: { ...labels },
        taints: taints.map((t) => ({ ...t })),
        placement: placementOn(labels, taints),
        ...CPU_SHAPES[serving.size],
        minNodes: serving.nodes,
        maxNodes: serving.maxNodes ?? serving.nodes,
        spot: false,
        maxPods: KUBELET_DEFAULT_MAX_PODS,
        ...(arch === "amd64" || arch === "arm64" ? { architecture: arch } : {}),
    };
}

/**
 * What an existing cluster's snapshot controller adds to the pool the fit check counts: nothing, it is the cluster's
 * own (its distribution's or its CSI driver's), like its other agents.
 */
const EXISTING_SNAPSHOT_CONTROLLER: SnapshotControllerDemand = { controllerPods: { cpuMillis: 0, memoryMiB: 0, pods: 0 } };

/**
 * CSI snapshots as `workbench:existing.volumeSnapshots` describes them: the driver (the storage class's provisioner
 * unless named; the configuration rules hold them equal) and the class, the cluster's own or one made for it.
 */
function existingVolumeSnapshots(existing: WorkbenchConfig["existing"]): VolumeSnapshots | undefined {
    const snapshots = existing.volumeSnapshots;
    // validation guarantees a driver when snapshots are described
    const driver = snapshots?.driver ?? existing.storageClass.provisioner;
    if (!snapshots || driver === undefined) return undefined;
    return {
        driver,
        snapshotClass: snapshots.className !== undefined ? { existing: snapshots.className } : { create: { parameters: snapshots.parameters } },
        ...EXISTING_SNAPSHOT_CONTROLLER,
        install: () => [],
    };
}

/** The kubelet's default `--max-pods`; an existing cluster's nodes are not configured by this program. */
const KUBELET_DEFAULT_MAX_PODS = 110;

/** The node label the kubelet sets to the node's CPU architecture; a pool selecting on it runs only that one. */
export const ARCH_LABEL = "kubernetes.io/arch";

/** Everything an existing cluster needs is checked by the configuration schema and its rules; nothing to look up. */
export const prepare: PlatformModule["prepare"] = async ({ parsed }) => {
    const { systemPool, userPool } = parsed;
    // the cross-key rules refuse a serving pool without its selector; the fit check needs only its shape
    const serving = parsed.servingPool && parsed.existing?.servingNodeSelector ? existingServingPool(parsed as WorkbenchConfig) : undefined;
    return {
        problems: [],
        warnings: [],
        ...(serving ? { servingPool: serving } : {}),
        // the cluster's nodes take the shape of workbench:userPool.size; its own agents are not known here
        systemPool:
            systemPool && userPool
                ? systemPoolSizing(
                      parsed as WorkbenchConfig,
                      {
                          poolAt: (size) => ({ ...CPU_SHAPES[size], maxPods: KUBELET_DEFAULT_MAX_PODS }),
                          agents: { cpuMillis: 0, memoryMiB: 0, pods: 0 },
                          installsAutoscaler: false,
                          key: {
                              key: "workbench:userPool.size",
                              given: userPool.size,
                              advice: (fitting) =>
                                  fitting
                                      ? `on an existing cluster this describes the nodes' shape: nodes of size ${fitting} (${CPU_SHAPES[fitting].vcpu} vCPU, ${CPU_SHAPES[fitting].memoryGiB} GiB) or more, or fewer services`
                                      : "switch services off or lower their cpuMillis/memoryMiB settings",
                          },
                      },
                      userPool.size,
                  )
                : undefined,
        // snapshots only where the configuration describes them
        ...(parsed.existing?.volumeSnapshots ? { volumeSnapshots: EXISTING_SNAPSHOT_CONTROLLER } : {}),
        create: (name, settings) => new ExistingPlatform(name, settings),
    };
};
