import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigProblem } from "../stacks/errors";
import type { StackSettings } from "../stacks/load";
import type { ProviderSettings } from "../stacks/provider-settings";
import type { SecretKey, WorkbenchConfig } from "../stacks/schema";
import type { KubeletAllocatable } from "./allocatable";
import { Cloud, CpuSize, GpuClass } from "./catalog";

/*
 * The contract between a platform (one per cloud, in providers/<cloud>/) and the shared
 * data-science layer (components/). The shared layer sees only these types: everything
 * cloud-specific reaches it as data here, never as a branch on the cloud's name.
 */

/** A Kubernetes taint effect. */
export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";

/** A taint a pool's nodes carry. */
export interface Taint {
    key: string;
    /** Absent for taints without a value. */
    value?: string;
    effect: TaintEffect;
}

/** A pod toleration, exactly as a pod spec (and the z2jh chart) writes it. */
export interface Toleration {
    key: string;
    operator: "Equal" | "Exists";
    /** Only with operator `Equal`. */
    value?: string;
    effect: TaintEffect;
}

/** Where a pod must go: the node selector it uses and every toleration it needs there. */
export interface NodePlacement {
    nodeSelector: Record<string, string>;
    tolerations: Toleration[];
}

/** A CPU architecture as Kubernetes names it (the node label `kubernetes.io/arch`). */
export type CpuArchitecture = "amd64" | "arm64";

/** A pool of nodes as the shared layer needs to know it. */
export interface NodePool {
    /** The pool's name in this stack (e.g. `system`, `user`, or a GPU pool's configured name). */
    name: string;
    /** Labels every node of the pool carries, including labels the cloud adds itself. */
    labels: Record<string, string>;
    /** Taints every node of the pool carries, including taints the cloud adds itself (e.g. AKS spot). */
    taints: Taint[];
    /** The selector and tolerations a pod needs to land on this pool; covers {@link taints}. */
    placement: NodePlacement;
    /** vCPUs per node. */
    vcpu: number;
    /** Memory per node, GiB. */
    memoryGiB: number;
    /** Nodes at the least (0 for pools that scale to zero). */
    minNodes: number;
    /** Nodes at the most. */
    maxNodes: number;
    /** Spot/preemptible capacity. */
    spot: boolean;
    /** Pods one node can hold (the kubelet's max-pods: 110 by default, fewer with the AWS VPC CNI without prefix delegation). */
    maxPods: number;
    /**
     * The nodes' CPU architecture (`kubernetes.io/arch`), where the platform knows it; absent on an existing
     * cluster. Images published for one architecture only are used on pools known to run it.
     */
    architecture?: CpuArchitecture;
    /**
     * What the kubelet offers pods on one node (capacity less the cloud's documented reservations), where the
     * platform knows its cloud's formula; the always-on fit check uses it, and a conservative estimate otherwise.
     */
    allocatable?: KubeletAllocatable;
    /**
     * What the cloud's own DaemonSets request on every node of this pool (network, metadata, logging agents, and on
     * GPU nodes the cloud's device plugin and driver installer), where the platform knows it. With
     * {@link allocatable}, whole-node sizes (a GPU profile, a Dask worker) ask for no more than is left beside them.
     */
    daemonSets?: ResourceRequests;
}

/** What pods ask of a node: CPU, memory and pod slots. */
export interface ResourceRequests {
    /** CPU, millicores. */
    cpuMillis: number;
    /** Memory, MiB. */
    memoryMiB: number;
    /** Pods. */
    pods: number;
}

/** A GPU pool: a node pool plus what a pod asks for to get its GPUs. */
export interface GpuPool extends NodePool {
    /** The cloud-agnostic class of the GPUs. */
    gpu: GpuClass;
    /** Extended resource name pods request, e.g. `nvidia.com/gpu`. */
    resourceName: string;
    /** GPUs per node. */
    gpusPerNode: number;
    /** Shown in the notebook profile list, e.g. "NVIDIA T4 16 GB · 4 vCPU · 16 GiB RAM". */
    description: string;
}

/** A cluster-autoscaler the shared layer installs for the platform (clouds whose autoscaler is not managed). */
export interface ClusterAutoscalerRequest {
    /** Values for the kubernetes/autoscaler `cluster-autoscaler` chart: cloud provider, auto-discovery, identity. */
    values: pulumi.Input<Record<string, unknown>>;
    /** The ServiceAccount the autoscaler must run as: the platform's identity for it trusts exactly this one. */
    account: ServiceAccountRef;
}

/** What the cluster can and must do, as flags the shared layer acts on. */
export interface ClusterCapabilities {
    /** Install NVIDIA's device plugin on GPU nodes (the cloud installs drivers but not the plugin). */
    nvidiaDevicePlugin: boolean;
    /** Install a cluster-autoscaler with these settings; absent where the cloud scales node pools itself. */
    clusterAutoscaler?: ClusterAutoscalerRequest;
    /**
     * Pods must reach the cloud metadata server (GKE serves Workload Identity tokens there).
     * Elsewhere the hub blocks it so notebooks cannot borrow the node's identity.
     */
    podsNeedMetadataServer: boolean;
}

/**
 * What the platform adds to the hub's public Service. Whether the hub is exposed at all (LoadBalancer,
 * NodePort, or ClusterIP reached with `kubectl port-forward`), from where and with which TLS is the
 * cloud-agnostic `workbench:hub` setting, which the shared layer applies on every platform.
 */
export interface HubServiceExposure {
    /**
     * @deprecated The Service type is `workbench:hub.service`; a platform may still state what its
     * clusters offer, the shared layer does not read it.
     */
    type?: "LoadBalancer" | "NodePort" | "ClusterIP";
    /** Annotations for a LoadBalancer Service (which kind of cloud load balancer, health probe path). */
    annotations: Record<string, string>;
}

/** The Kubernetes cluster a platform provides. */
export interface PlatformCluster {
    /** Cluster name as the cloud knows it. */
    name: pulumi.Output<string>;
    /** Provider every Kubernetes resource of the shared layer uses. */
    provider: k8s.Provider;
    /** Kubeconfig for the cluster, a secret output; absent where the ambient kubeconfig reaches the cluster. */
    kubeconfig?: pulumi.Output<string>;
    /** ReadWriteOnce storage class whose volumes are retained when released: homes and databases. */
    retainedStorageClass: pulumi.Input<string>;
    /** The small always-on pool for the hub, the proxy and the operators. */
    systemPool: NodePool;
    /**
     * What the cloud's own pods (DaemonSets, DNS, CSI and metadata agents) request on the system pool's
     * nodes, all nodes together: the always-on fit check adds the workbench's pods to this.
     */
    systemAgents: ResourceRequests;
    /** Kubernetes minor version the cluster runs (from the cloud's catalog), when the platform knows it. */
    kubernetesVersion?: string;
    /** The CPU pool for notebooks, Dask workers and Spark executors. */
    userPool: NodePool;
    /**
     * The on-demand pool served models and apps run on (`workbench:servingPool`): always-on nodes, never spot,
     * tainted so that only served pods (which tolerate it) land there. Absent without the key: they share
     * {@link userPool}.
     */
    servingPool?: NodePool;
    capabilities: ClusterCapabilities;
    /** How the hub's proxy, the workbench's one entry point, is exposed. */
    hubService: HubServiceExposure;
    /**
     * Private addresses where pods reach the Kubernetes API server, for the NetworkPolicies of pods that
     * must call it (Spark drivers, operators). Where the network-policy engine filters before kube-proxy's
     * translation (the VPC CNI's eBPF agent on EKS), that is `kubernetes.default`'s ClusterIP itself, so the
     * platform lists it (EKS: the first address of the Service range it pins) beside the addresses after
     * translation (EKS: the VPC's range, the private endpoint's interfaces; kind: a node's address). Empty
     * where the API server is at a public address, which the policies' internet egress already covers.
     */
    apiServerEgress: PrivateDestination[];
    /**
     * The cluster's public OIDC issuer (`https://…`, its ServiceAccount tokens' `iss`), which another cloud can trust
     * (a move's source grant); absent where the platform knows of none (an existing cluster).
     */
    oidcIssuer?: pulumi.Output<string>;
    /**
     * How the cluster snapshots the retained class's volumes through CSI, for Velero's snapshot data mover (every
     * home, mounted or not, and the hub's database: docs/backups.md); absent where the platform knows of none (an
     * existing cluster that names no VolumeSnapshotClass), and homes are then backed up from running servers only.
     */
    volumeSnapshots?: VolumeSnapshots;
    /** Resources that must exist before workloads are installed (node pools, CSI driver, storage class). */
    readyWhen: pulumi.Resource[];
}

/** What a cluster's snapshot controller adds to the system pool, which the always-on fit check counts. */
export interface SnapshotControllerDemand {
    /**
     * The controller's pods on the system pool, all replicas together: zero where the cloud runs it on its own
     * control plane (GKE, AKS) or the cluster already runs it (an existing cluster's own).
     */
    controllerPods: ResourceRequests;
}

/**
 * The VolumeSnapshotClass Velero's CSI plugin uses for the retained class's driver: one the shared layer creates
 * (labelled for Velero, with these parameters), or one the cluster already has, by name.
 */
export type VolumeSnapshotClassSource = { create: { parameters: Record<string, pulumi.Input<string>> } } | { existing: string };

/**
 * CSI volume snapshots of the retained class's volumes: the driver that takes them, the class to take them with,
 * and what the cloud lacks to take them at all (the snapshot CRDs and controller), installed only when asked.
 */
export interface VolumeSnapshots extends SnapshotControllerDemand {
    /** The CSI driver that provisions the retained class's volumes (the class's `provisioner`), which snapshots them. */
    driver: string;
    /** The VolumeSnapshotClass for {@link driver}. */
    snapshotClass: VolumeSnapshotClassSource;
    /**
     * Installs what the cluster lacks for snapshots (EKS: the `snapshot-controller` add-on with the snapshot CRDs)
     * and returns what a VolumeSnapshotClass must wait for; nothing where the cloud ships it. Called once, and only
     * when the workbench takes snapshots, so a stack that does not pays no pod slot for it.
     */
    install(): pulumi.Resource[];
}

/** The Kubernetes ServiceAccount the shared layer runs notebooks, Dask and Spark pods as. */
export interface ServiceAccountRef {
    namespace: string;
    name: string;
}

/** A private address range and the TCP ports on it that pods may reach. */
export interface PrivateDestination {
    /** IPv4 CIDR. */
    cidr: string;
    ports: number[];
}

/** How pods running as a ServiceAccount get the bucket's identity. */
export interface WorkloadIdentity {
    /** Annotations for the ServiceAccount (e.g. the IAM role or the Azure client id). */
    serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
    /** Labels for every pod using it (e.g. `azure.workload.identity/use: "true"`). */
    podLabels: Record<string, string>;
    /** Plain environment variables for those pods (region, endpoint). */
    env: Record<string, pulumi.Input<string>>;
    /** Sensitive environment variables; the shared layer keeps them in a Secret and injects them by reference. */
    secretEnv: Record<string, pulumi.Input<string>>;
    /**
     * Private addresses the pods must reach for the bucket (an S3-compatible store on a private network);
     * notebooks' NetworkPolicy, which otherwise blocks private addresses, opens exactly these.
     */
    privateEgress: PrivateDestination[];
    /**
     * What the identity reaches: `prefix` when the binding asked for one and the cloud's IAM limits it so,
     * else the whole bucket (Azure role assignments and S3-compatible keys cannot be limited to a prefix here).
     */
    reach: "bucket" | "prefix";
    /**
     * Whether the binding's `excludePrefixes` are enforced by the cloud's IAM (false where it cannot say so, e.g.
     * an S3-compatible key; the plan warns). True when nothing was asked to be excluded.
     */
    excluded?: boolean;
    /** The cloud principal that holds the bucket permission (role ARN, service account e-mail, client id). */
    principal: pulumi.Output<string>;
    /** Resources the pods need to exist first (role policies, federated credentials). */
    readyWhen: pulumi.Resource[];
}

/** What part of the bucket a bound identity may reach. */
export interface BindingScope {
    /** Key prefix, ending in `/` (e.g. `backups/postgres/`); absent for the whole bucket. */
    prefix?: string;
    /**
     * Key prefixes, each ending in `/`, that an identity reaching the whole bucket must neither read nor write
     * (the platform's backups, MLflow's artifacts: DESIGN §5b.6, users' identity cannot touch them). The platform
     * enforces it with what its IAM offers (an explicit Deny on AWS, an IAM condition on GCP, an ABAC condition on
     * Azure) and says in {@link WorkloadIdentity.excluded} whether it could.
     */
    excludePrefixes?: string[];
}

/**
 * What a source stack's bucket is asked to grant for a move (DESIGN: issue 22): read-only access for the transfer
 * Job of another stack's cluster, trusted through that cluster's public OIDC issuer, no key.
 */
export interface MoveReadRequest {
    /** The target cluster's OIDC issuer, `https://…` exactly as its tokens' `iss` claim says it. */
    issuer: string;
    /** The target's transfer Job ServiceAccount: the one subject the grant trusts. */
    account: ServiceAccountRef;
}

/** A read-only grant of the bucket to another cluster's ServiceAccount, as the target stack must name it. */
export interface MoveReadGrant {
    /** The cloud principal holding the read permission (role ARN, federated principal, client id). */
    principal: pulumi.Output<string>;
    /**
     * The `workbench:moveFrom` fields the target sets to use this grant (e.g. `roleArn`), each a string; the
     * source's `moveGrant` output prints them with the commands to type.
     */
    moveFrom: Record<string, pulumi.Input<string>>;
    /** The audience the target's projected token must carry for this grant. */
    audience: pulumi.Input<string>;
}

/**
 * The bucket as backup tools address it: Velero's BackupStorageLocation provider and config, and rclone's
 * backend (docs/backups.md). Plain data, so the shared layer picks the plugin without naming a cloud.
 */
export interface BackupLocation {
    /** Velero's provider name, which also names the plugin image: `aws` (S3 and S3-compatible), `gcp`, `azure`. */
    provider: "aws" | "gcp" | "azure";
    /** The BackupStorageLocation's `config` (region, s3Url, storageAccount, resourceGroup, useAAD…). */
    config: Record<string, pulumi.Input<string>>;
}

/** Private object storage for the workbench's data. */
export interface ObjectStore {
    /** Where backups go and how Velero reaches the bucket; absent where the platform has not said (backups warn). */
    backupLocation?: BackupLocation;
    /** `s3://bucket`, `gs://bucket`, `abfs://container@account.dfs.core.windows.net/` or the bucket on an S3-compatible endpoint. */
    url: pulumi.Output<string>;
    /** Bucket (or container) name. */
    bucket: pulumi.Output<string>;
    /**
     * Binds the ServiceAccount to a cloud identity that can read and write this bucket and nothing else.
     * The identity's trust names exactly this namespace/ServiceAccount. With a `prefix`, the identity reaches
     * only the objects under it where the cloud's IAM can say so (a database's backups, MLflow's artifacts).
     */
    bindServiceAccount(account: ServiceAccountRef, scope?: BindingScope): WorkloadIdentity;
    /**
     * Grants another cluster's ServiceAccount read-only access to this bucket (objects and listing, nothing else),
     * trusted through that cluster's public OIDC issuer: the source side of a move. Absent where the store has no
     * identity federation (an S3-compatible store on an existing cluster: the target then uses a key).
     */
    grantMoveRead?(request: MoveReadRequest): MoveReadGrant;
}

/** Everything a platform hands the shared layer. */
export interface Platform {
    cloud: Cloud;
    cluster: PlatformCluster;
    /** Zero or more GPU pools, in the order configured. */
    gpuPools: GpuPool[];
    /** Absent when the stack has no object storage (an existing cluster without an endpoint). */
    objectStore?: ObjectStore;
    /** Cloud-specific stack outputs (cluster name, region, …). */
    outputs: Record<string, pulumi.Input<unknown>>;
}

/** What a platform's configuration check sees, before any resource exists. */
export interface PlatformCheckInput {
    /** Stack name. */
    stack: string;
    /**
     * The `workbench:` keys whose own value is valid, defaulted. A key with a problem of its own is
     * absent: a check that needs it stays silent (its problem is already reported).
     */
    parsed: Partial<WorkbenchConfig>;
    /** `aws:region` and the other provider settings. */
    provider: ProviderSettings;
    /** Secret keys that are set. */
    secretsSet: ReadonlySet<SecretKey>;
    /** The day the check runs, for support windows (tests pass a fixed one). */
    today: Date;
}

/** What a platform's check found, and how to build the platform once the whole configuration is valid. */
export interface PlatformPreparation {
    /** What this platform cannot build of the configuration, lookups' findings included (zones, offerings, versions). */
    problems: ConfigProblem[];
    /** What the user should know but that does not stop the plan (e.g. a version near its end of support). */
    warnings: string[];
    /**
     * Creates the platform's resources under a component named `name`, with what the check looked up.
     * Called only when neither the configuration nor any platform check has a problem.
     */
    create(name: string, settings: StackSettings): Platform;
    /**
     * The system pool this configuration gets, for the always-on fit check; absent while a key it needs
     * has a problem of its own (that problem is reported instead).
     */
    systemPool?: SystemPoolSizing;
    /**
     * The serving pool this configuration gets (`workbench:servingPool`), from the same description the platform
     * builds it from, for the serving fit check; absent without the key, or while a key it needs has a problem.
     */
    servingPool?: NodePool;
    /**
     * What CSI volume snapshots would add to the system pool, where the platform offers them (the contract's
     * {@link PlatformCluster.volumeSnapshots}); absent where it does not, and homes are then backed up by file.
     */
    volumeSnapshots?: SnapshotControllerDemand;
}

/** The system pool at one size class, as the always-on fit check reads it. */
export interface SystemPoolAtSize {
    /** The size class. */
    size: CpuSize;
    /** vCPUs per node. */
    vcpu: number;
    /** Memory per node, GiB. */
    memoryGiB: number;
    /** Pods one node holds. */
    maxPods: number;
    /** Always-on nodes. */
    nodes: number;
    /** What the kubelet offers pods on one node, where the platform knows it. */
    allocatable?: KubeletAllocatable;
    /** What the cloud's own pods request on the pool (the contract's `systemAgents`). */
    agents: ResourceRequests;
    /** The shared layer installs a cluster-autoscaler on the pool (the contract's `capabilities.clusterAutoscaler`). */
    installsAutoscaler: boolean;
    /**
     * The pool's taints (the contract's `systemPool.taints`), where the platform declares any: a pod that cannot
     * tolerate one (Velero's data movers carry a short fixed list) cannot run there.
     */
    taints?: Taint[];
}

/** How a configuration sizes the system pool: what the always-on fit check needs before any resource exists. */
export interface SystemPoolSizing {
    /** The key that sizes the pool here (`workbench:systemPool.size`, or an instance type override). */
    key: string;
    /** That key's value. */
    given: unknown;
    /** The pool as configured. */
    current: SystemPoolAtSize;
    /** The pool at each size class, smallest first, for the advice. */
    sizes: SystemPoolAtSize[];
    /** What to tell the user to do, given the smallest size that fits (undefined when none does). */
    advice(fitting: CpuSize | undefined): string;
}

/** The entry point each platform module exports. */
export interface PlatformModule {
    /**
     * Checks the configuration against the platform (the cloud's own invokes may be called: zones,
     * offerings, versions) before any resource registers; its problems are reported together with
     * every schema and cross-key problem, so a failed preview leaves nothing behind.
     */
    prepare(input: PlatformCheckInput): Promise<PlatformPreparation>;
}
