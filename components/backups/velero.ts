import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupLocation, NodePlacement, ObjectStore, ServiceAccountRef, Toleration, WorkloadIdentity } from "../../providers/contract";
import type { HomesMethod } from "../capacity/demand";
import { VELERO_NODE_AGENT, VELERO_SERVER, VELERO_TRANSIENT, VELERO_TRANSIENT_MEMORY_LIMIT_MIB } from "../capacity/requests";
import { RETAINED_STORAGE_CLASSES } from "../../providers/retained-classes";
import { chartRelease } from "../helm/release";
import { BACKUP_CHARTS, BACKUP_IMAGES } from "../versions";

/*
 * Users' homes and the hub's database, backed up by Velero into the bucket under `backups/homes/`, with kopia
 * (incremental, deduplicated), while servers keep running. Two ways to read a volume (docs/backups.md):
 *
 * - `snapshots`, the CSI snapshot data mover (velero.io docs v1.18 "CSI Snapshot Data Movement"): Velero snapshots
 *   every selected claim through the CSI driver, mounted or not, then a data mover pod reads a volume made from the
 *   snapshot and uploads it; the snapshot and that volume are deleted once uploaded (pkg/exposer/csi_snapshot.go
 *   CleanUp). The data mover pods get the node agent's tolerations only for Velero's own short list of keys
 *   (pkg/util/third_party.go ThirdPartyTolerations: the AKS spot taint and CriticalAddonsOnly) and must run where a
 *   node agent runs (it watches pods on its own node), so both run on the system pool, the one pool whose taints
 *   they can carry; the node-agent ConfigMap's `loadAffinity` keeps them there.
 * - `files`, file-system backup: the node agent on user and GPU nodes reads the volumes running servers mount
 *   (through the node's /var/lib/kubelet/pods), so a stopped server's home and the hub's database are not read.
 *
 * Velero runs under its own ServiceAccount bound to that prefix only; the plugin is the one the bucket's provider names.
 */

/** Where Velero keeps its backups in the bucket. */
export const HOMES_PREFIX = "backups/homes/";

/** Velero's release and its objects' names. */
export const VELERO_NAME = "velero";

/** The Velero Schedule of the homes. */
export const HOMES_SCHEDULE = "homes";

/** Velero's feature flag for its built-in CSI plugin (pkg/apis/velero/v1/constants.go CSIFeatureFlag). */
export const CSI_FEATURE = "EnableCSI";

/**
 * The only keys whose tolerations Velero 1.18.1 copies from its node agent onto the data mover pods (and its
 * maintenance Jobs): pkg/util/third_party.go ThirdPartyTolerations. A pool tainted with any other key is one a data
 * mover cannot land on, whatever the node agent tolerates.
 */
export const VELERO_INHERITED_TOLERATION_KEYS: readonly string[] = ["kubernetes.azure.com/scalesetpriority", "CriticalAddonsOnly"];

/** The label by which Velero's CSI plugin picks a driver's VolumeSnapshotClass (velero.io docs v1.18 "CSI"). */
export const VELERO_SNAPSHOT_CLASS_LABEL = "velero.io/csi-volumesnapshot-class";

/**
 * The Backup (and Schedule) annotation naming the VolumeSnapshotClass for a driver, which Velero reads before any
 * label (pkg/util/csi/volume_snapshot.go: `velero.io/csi-volumesnapshot-class_<driver, lowercase>`); the Schedule's
 * annotations are copied onto each Backup it makes (pkg/builder/backup_builder.go FromSchedule).
 */
export function snapshotClassAnnotation(driver: string): string {
    return `${VELERO_SNAPSHOT_CLASS_LABEL}_${driver.toLowerCase()}`;
}

/**
 * The key of the chart's `configMaps` entry holding the node agent's configuration: the chart names the ConfigMap
 * `<fullname>-<key>` (templates/configmaps.yaml), which the node agent reads through `--node-agent-configmap`.
 */
export const NODE_AGENT_CONFIG_KEY = "node-agent";

/** The node agent's ConfigMap, as the chart names it. */
export const NODE_AGENT_CONFIGMAP = `${VELERO_NAME}-${NODE_AGENT_CONFIG_KEY}`;

/** The labels of users' servers and their home claims (z2jh's `component` labels), whose volumes are the homes. */
export const SERVER_SELECTOR = { matchLabels: { component: "singleuser-server" } };

/** The labels of users' home claims (z2jh: KubeSpawner's `component: singleuser-storage`). */
export const HOME_CLAIM_SELECTOR = { matchLabels: { component: "singleuser-storage" } };

/**
 * The labels of the hub's database claim `hub-db-dir`: z2jh 4.4.0 templates/hub/pvc.yaml takes `jupyterhub.labels`,
 * whose `component` is the template's folder, `hub` (templates/_helpers.tpl jupyterhub.componentLabel). No other claim
 * carries it; the hub's other objects do, but the Schedule takes claims (and their volumes) only.
 */
export const HUB_DB_CLAIM_SELECTOR = { matchLabels: { component: "hub" } };

/** The plugin image for a bucket's provider. */
export function veleroPlugin(provider: BackupLocation["provider"]): string {
    return { aws: BACKUP_IMAGES.pluginAws, gcp: BACKUP_IMAGES.pluginGcp, azure: BACKUP_IMAGES.pluginAzure }[provider];
}

/**
 * The credentials file Velero's plugins read, where the identity is a key pair (an S3-compatible store): the AWS
 * shared-credentials format (velero-plugin-for-aws README). Undefined where the pod's workload identity serves.
 */
export function veleroCredentials(identity: Pick<WorkloadIdentity, "secretEnv">): pulumi.Output<string> | undefined {
    const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret } = identity.secretEnv;
    if (id === undefined || secret === undefined) return undefined;
    return pulumi.secret(pulumi.interpolate`[default]\naws_access_key_id=${id}\naws_secret_access_key=${secret}\n`);
}

/** The VolumeSnapshotClass Velero takes the homes' snapshots with (method `snapshots`). */
export interface SnapshotClassRef {
    /** The CSI driver of the homes' volumes. */
    driver: string;
    /** The class's name. */
    name: pulumi.Input<string>;
}

/** What Velero needs. */
export interface VeleroArgs {
    /** Velero's own namespace. */
    namespace: string;
    /** Namespaces whose homes are backed up: the users' (homes) and the platform's (the hub's database). */
    namespaces: string[];
    /** The bucket and its identity binding. */
    objectStore: ObjectStore;
    /** Velero's view of the bucket (provider and its config). */
    location: BackupLocation;
    /** Five-field cron, UTC. */
    schedule: string;
    /** Days each backup is kept. */
    retentionDays: number;
    /** How the homes are read. */
    method: HomesMethod;
    /** The system pool: the server, and with snapshots the node agent and its data movers, run there. */
    systemPlacement: NodePlacement;
    /** With files: tolerations for the node agent, of every pool where a home can be mounted. */
    homeTolerations: Toleration[];
    /** With snapshots: the class the homes' snapshots are taken with. */
    snapshotClass?: SnapshotClassRef;
    /** Restore the homes from this backup (`latest`: the schedule's newest) before users start. */
    restoreFrom?: string;
    /** The retained class homes and the hub's database are made in here: a restore maps other clouds' onto it. */
    storageClass: pulumi.Input<string>;
    /** The cluster's Kubernetes provider. */
    provider: k8s.Provider;
    /** The namespaces, the snapshot class and what the platform installs for it. */
    dependsOn: pulumi.Resource[];
}

/** Velero's `NNNhMMmSSs` duration for a number of days. */
function days(n: number): string {
    return `${n * 24}h0m0s`;
}

/** Requests and limits as the node agent's ConfigMap writes them for data mover pods (`0`: no limit). */
export const DATA_MOVER_POD_RESOURCES = {
    cpuRequest: `${VELERO_TRANSIENT.cpuMillis}m`,
    cpuLimit: "0",
    memoryRequest: `${VELERO_TRANSIENT.memoryMiB}Mi`,
    memoryLimit: `${VELERO_TRANSIENT_MEMORY_LIMIT_MIB}Mi`,
};

/**
 * How long a data mover may wait to start (Velero's default is 30 minutes): one data mover runs at a time and the
 * next waits for its slot on the system pool, which a large home can hold for hours.
 */
export const DATA_MOVER_PREPARE_TIMEOUT = "6h";

/**
 * The node agent's configuration (velero.io docs v1.18 "Node-agent Configuration"; pkg/types/node_agent.go
 * NodeAgentConfigs), one JSON document in the ConfigMap's one key:
 * - `loadAffinity`: data movers on the system pool, the nodes the node agent runs on;
 * - `loadConcurrency`: one data mover at a time per node and one waiting, so the system pool needs room for one;
 * - `podResources`: what the fit check counts for it (components/capacity/requests.ts);
 * - `restorePVC.ignoreDelayBinding`: a restore writes a home before anyone starts the server that would mount it;
 *   without it the data mover waits for that pod (the retained classes bind on first consumer), and every stack's
 *   nodes are in one zone, so the volume is where its server will run.
 */
export function nodeAgentConfig(systemNodeSelector: Record<string, string>): Record<string, unknown> {
    return {
        ...(Object.keys(systemNodeSelector).length > 0 ? { loadAffinity: [{ nodeSelector: { matchLabels: { ...systemNodeSelector } } }] } : {}),
        loadConcurrency: { globalConfig: 1, prepareQueueLength: 1 },
        podResources: DATA_MOVER_POD_RESOURCES,
        restorePVC: { ignoreDelayBinding: true },
    };
}

/** The node agent's placement and what it mounts, per method. */
function nodeAgentValues(args: VeleroArgs, podLabels: Record<string, string>): Record<string, unknown> {
    const resources = { requests: { cpu: `${VELERO_NODE_AGENT.cpuMillis}m`, memory: `${VELERO_NODE_AGENT.memoryMiB}Mi` }, limits: { memory: "1Gi" } };
    if (args.method === "snapshots") {
        const system = args.systemPlacement;
        return {
            // the data mover reads a volume it mounts itself: no hostPath (velero.io docs v1.18 "CSI Snapshot Data Movement")
            disableHostPath: true,
            nodeSelector: { ...system.nodeSelector },
            tolerations: system.tolerations,
            extraArgs: [`--node-agent-configmap=${NODE_AGENT_CONFIGMAP}`],
            podLabels,
            resources,
        };
    }
    const systemLabels = args.systemPlacement.nodeSelector;
    return {
        tolerations: args.homeTolerations,
        // homes are mounted on user and GPU nodes only; the system pool keeps its pod slots (EKS's are few)
        ...(Object.keys(systemLabels).length > 0
            ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: Object.entries(systemLabels).map(([key, value]) => ({ key, operator: "NotIn", values: [value] })) }] } } } }
            : {}),
        podLabels,
        resources,
    };
}

/** The Schedule's backup template: what is read, and how. */
export function homesBackupTemplate(args: Pick<VeleroArgs, "namespaces" | "method" | "retentionDays">): Record<string, unknown> {
    const common = { includedNamespaces: [...new Set(args.namespaces)], storageLocation: "default", ttl: days(args.retentionDays) };
    if (args.method === "snapshots") {
        return {
            ...common,
            // claims (their volumes come with them): every home and the hub's database, mounted or not; the data
            // services' claims in the platform namespace are left to their dumps
            includedResources: ["persistentvolumeclaims", "persistentvolumes"],
            orLabelSelectors: [HOME_CLAIM_SELECTOR, HUB_DB_CLAIM_SELECTOR],
            snapshotVolumes: true,
            snapshotMoveData: true,
            defaultVolumesToFsBackup: false,
        };
    }
    return {
        ...common,
        includedResources: ["pods", "persistentvolumeclaims", "persistentvolumes"],
        orLabelSelectors: [SERVER_SELECTOR, HOME_CLAIM_SELECTOR],
        defaultVolumesToFsBackup: true,
        snapshotVolumes: false,
    };
}

/**
 * How long `pulumi up` waits for the homes' Restore before the hub starts: Velero's own limit on one volume's data
 * movement (`defaultItemOperationTimeout`, 4 h) plus time to start.
 */
export const RESTORE_WAIT_SECONDS = 5 * 3600;

/**
 * The labels by which Velero finds its change-storage-class restore item action's ConfigMap in its namespace
 * (velero.io docs v1.18 "Restore Reference: Changing PV/PVC Storage Classes"; pkg/plugin/framework/common
 * GetPluginConfig: exactly one ConfigMap may carry them).
 */
export const CHANGE_STORAGE_CLASS_LABELS = { "velero.io/plugin-config": "", "velero.io/change-storage-class": "RestoreItemAction" };

/** Every other cloud's retained class, mapped onto this cluster's: what a restore of a moved stack's backup needs. */
export function storageClassMapping(here: string): Record<string, string> {
    return Object.fromEntries(Object.values(RETAINED_STORAGE_CLASSES).filter((name) => name !== here).map((name) => [name, here]));
}

/** Velero, its homes Schedule and (with a restore) the Restore. */
export class Velero extends pulumi.ComponentResource {
    readonly account: ServiceAccountRef;
    readonly identity: WorkloadIdentity;
    readonly release: k8s.helm.v3.Release;
    readonly schedule: k8s.apiextensions.CustomResource;
    readonly restore?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: VeleroArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:backups:Velero", name, {}, opts);
        const { namespace, objectStore, location, provider } = args;
        if (args.method === "snapshots" && !args.snapshotClass) throw new Error("Velero: the snapshot method needs the VolumeSnapshotClass of the homes' driver");
        this.account = { namespace, name: VELERO_NAME };
        this.identity = objectStore.bindServiceAccount(this.account, { prefix: HOMES_PREFIX });
        const credentials = veleroCredentials(this.identity);
        const image = BACKUP_IMAGES.velero.split(":");
        const snapshots = args.method === "snapshots";
        const transientResources = {
            cpuRequest: DATA_MOVER_POD_RESOURCES.cpuRequest,
            cpuLimit: DATA_MOVER_POD_RESOURCES.cpuLimit,
            memoryRequest: DATA_MOVER_POD_RESOURCES.memoryRequest,
            memoryLimit: DATA_MOVER_POD_RESOURCES.memoryLimit,
        };
        const values = pulumi.output({ bucket: objectStore.bucket, config: location.config, annotations: this.identity.serviceAccountAnnotations, env: this.identity.env }).apply(({ bucket, config, annotations, env }) => ({
            fullnameOverride: VELERO_NAME,
            image: { repository: image[0], tag: image[1] },
            initContainers: [{ name: `velero-plugin-for-${location.provider}`, image: veleroPlugin(location.provider), imagePullPolicy: "IfNotPresent", volumeMounts: [{ mountPath: "/target", name: "plugins" }] }],
            configuration: {
                backupStorageLocation: [{ name: "default", provider: location.provider, bucket, prefix: HOMES_PREFIX.replace(/\/$/, ""), default: true, config: { ...config, ...(location.provider === "gcp" && annotations["iam.gke.io/gcp-service-account"] ? { serviceAccount: annotations["iam.gke.io/gcp-service-account"] } : {}) } }],
                volumeSnapshotLocation: [],
                uploaderType: "kopia",
                ...(snapshots
                    ? { features: CSI_FEATURE, defaultSnapshotMoveData: true, dataMoverPrepareTimeout: DATA_MOVER_PREPARE_TIMEOUT }
                    : { defaultVolumesToFsBackup: true }),
                defaultBackupTTL: days(args.retentionDays),
                // kopia's maintenance Jobs run on the system pool like the data movers (the same short list of
                // tolerations, pkg/repository/maintenance/maintenance.go): sized as the fit check counts them
                repositoryMaintenanceJob: {
                    repositoryConfigData: {
                        name: `${VELERO_NAME}-repo-maintenance`,
                        global: { keepLatestMaintenanceJobs: 1, podResources: transientResources, ...(Object.keys(args.systemPlacement.nodeSelector).length > 0 ? { loadAffinity: [{ nodeSelector: { matchLabels: { ...args.systemPlacement.nodeSelector } } }] } : {}) },
                    },
                },
                extraEnvVars: Object.entries(env).map(([k, v]) => ({ name: k, value: String(v) })),
            },
            snapshotsEnabled: false,
            deployNodeAgent: true,
            nodeAgent: nodeAgentValues(args, { ...this.identity.podLabels }),
            ...(snapshots ? { configMaps: { [NODE_AGENT_CONFIG_KEY]: { data: { "node-agent-config.json": JSON.stringify(nodeAgentConfig(args.systemPlacement.nodeSelector)) } } } } : {}),
            podLabels: { ...this.identity.podLabels },
            // the projected web-identity token (IRSA) is readable by the pod's fsGroup only; Velero runs as non-root
            // (the chart's own comment on podSecurityContext: "Set fsGroup for AWS IAM Roles for Service Accounts")
            podSecurityContext: { fsGroup: 65534 },
            nodeSelector: args.systemPlacement.nodeSelector,
            tolerations: args.systemPlacement.tolerations,
            resources: { requests: { cpu: `${VELERO_SERVER.cpuMillis}m`, memory: `${VELERO_SERVER.memoryMiB}Mi` }, limits: { memory: "512Mi" } },
            serviceAccount: { server: { create: true, name: VELERO_NAME, annotations } },
            credentials: credentials ? { useSecret: true, existingSecret: "velero-store-key" } : { useSecret: false },
            upgradeCRDs: true,
            schedules: {},
        }));
        // the key pair (S3-compatible store) goes in as a Secret the chart reads, never as a Helm value
        const keySecret = credentials
            ? new k8s.core.v1.Secret(`${name}-store-key`, { metadata: { name: "velero-store-key", namespace }, stringData: { cloud: credentials } }, { parent: this, provider, dependsOn: args.dependsOn })
            : undefined;
        this.release = chartRelease(
            name,
            {
                chart: BACKUP_CHARTS.velero,
                releaseName: VELERO_NAME,
                namespace,
                values,
                provider,
                dependsOn: [...args.dependsOn, ...this.identity.readyWhen, ...(keySecret ? [keySecret] : [])],
            },
            this,
        );
        // a claim restored from another cloud's backup names that cloud's class; give it this cluster's instead
        new k8s.core.v1.ConfigMap(
            `${name}-change-storage-class`,
            {
                metadata: { name: `${VELERO_NAME}-change-storage-class`, namespace, labels: { ...CHANGE_STORAGE_CLASS_LABELS } },
                data: pulumi.output(args.storageClass).apply(storageClassMapping),
            },
            { parent: this, provider, dependsOn: args.dependsOn },
        );
        const custom = { parent: this, provider, dependsOn: [this.release] };
        const snapshotClass = args.snapshotClass;
        this.schedule = new k8s.apiextensions.CustomResource(
            `${name}-homes`,
            {
                apiVersion: "velero.io/v1",
                kind: "Schedule",
                metadata: {
                    name: HOMES_SCHEDULE,
                    namespace,
                    // the class by name as well as by label: a class the cluster already has carries no label of ours
                    ...(snapshots && snapshotClass ? { annotations: { [snapshotClassAnnotation(snapshotClass.driver)]: snapshotClass.name } } : {}),
                },
                spec: {
                    schedule: args.schedule,
                    useOwnerReferencesInBackup: false,
                    template: homesBackupTemplate(args),
                },
            },
            custom,
        );
        if (args.restoreFrom !== undefined) {
            this.restore = new k8s.apiextensions.CustomResource(
                `${name}-restore`,
                {
                    apiVersion: "velero.io/v1",
                    kind: "Restore",
                    metadata: {
                        name: "restore-homes",
                        namespace,
                        // the hub starts once its database and the homes are back: its chart would otherwise make an
                        // empty hub-db-dir first, and Velero leaves an existing claim alone (existingResourcePolicy none)
                        annotations: { "pulumi.com/waitFor": "jsonpath={.status.phase}=Completed", "pulumi.com/timeoutSeconds": String(RESTORE_WAIT_SECONDS) },
                    },
                    spec: {
                        // `latest`: the newest backup of the homes schedule (Restore.spec.scheduleName)
                        ...(args.restoreFrom === "latest" ? { scheduleName: HOMES_SCHEDULE } : { backupName: args.restoreFrom }),
                        // a data-mover backup holds claims only and restores their data by DataDownload; a file-system
                        // backup restores its data through the servers' pods it holds
                        includedResources: ["persistentvolumeclaims", "persistentvolumes", "pods"],
                        existingResourcePolicy: "none",
                        restorePVs: true,
                    },
                },
                { ...custom, ignoreChanges: ["spec"] },
            );
        }
        this.registerOutputs({});
    }
}
