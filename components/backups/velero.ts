import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupLocation, NodePlacement, ObjectStore, ServiceAccountRef, Toleration, WorkloadIdentity } from "../../providers/contract";
import { chartRelease } from "../helm/release";
import { BACKUP_CHARTS, BACKUP_IMAGES } from "../versions";

/*
 * Users' homes (and the hub's database volume), backed up by Velero's file-system backup: its node agent reads
 * each mounted volume from the node with kopia, incrementally and deduplicated, into the bucket under
 * `backups/homes/`, while the servers keep running (velero.io docs "File System Backup"). Velero runs under its
 * own ServiceAccount bound to that prefix only; the plugin is the one the bucket's provider names.
 */

/** Where Velero keeps its backups in the bucket. */
export const HOMES_PREFIX = "backups/homes/";

/** Velero's release and its objects' names. */
export const VELERO_NAME = "velero";

/** The Velero Schedule of the homes. */
export const HOMES_SCHEDULE = "homes";

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

/** What Velero needs. */
export interface VeleroArgs {
    namespace: string;
    /** Namespaces whose homes are backed up (users' servers and the hub). */
    namespaces: string[];
    objectStore: ObjectStore;
    location: BackupLocation;
    schedule: string;
    retentionDays: number;
    systemPlacement: NodePlacement;
    /** Tolerations for the node agent: every pool where a home can be mounted. */
    nodeAgentTolerations: Toleration[];
    /** Node labels of the system pool, where no home is mounted: the node agent stays off it. */
    systemNodeLabels: Record<string, string>;
    /** Restore the homes from this backup (`latest`: the schedule's newest) before users start. */
    restoreFrom?: string;
    provider: k8s.Provider;
    dependsOn: pulumi.Resource[];
}

/** The labels of users' servers and their home claims (z2jh's `component` labels), whose volumes are the homes. */
export const HOMES_SELECTORS = [{ matchLabels: { component: "singleuser-server" } }, { matchLabels: { component: "singleuser-storage" } }];

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
        this.account = { namespace, name: VELERO_NAME };
        this.identity = objectStore.bindServiceAccount(this.account, { prefix: HOMES_PREFIX });
        const credentials = veleroCredentials(this.identity);
        const image = BACKUP_IMAGES.velero.split(":");
        const values = pulumi.output({ bucket: objectStore.bucket, config: location.config, annotations: this.identity.serviceAccountAnnotations, env: this.identity.env }).apply(({ bucket, config, annotations, env }) => ({
            fullnameOverride: VELERO_NAME,
            image: { repository: image[0], tag: image[1] },
            initContainers: [{ name: `velero-plugin-for-${location.provider}`, image: veleroPlugin(location.provider), imagePullPolicy: "IfNotPresent", volumeMounts: [{ mountPath: "/target", name: "plugins" }] }],
            configuration: {
                backupStorageLocation: [{ name: "default", provider: location.provider, bucket, prefix: HOMES_PREFIX.replace(/\/$/, ""), default: true, config: { ...config, ...(location.provider === "gcp" && annotations["iam.gke.io/gcp-service-account"] ? { serviceAccount: annotations["iam.gke.io/gcp-service-account"] } : {}) } }],
                volumeSnapshotLocation: [],
                uploaderType: "kopia",
                defaultVolumesToFsBackup: true,
                defaultBackupTTL: `${args.retentionDays * 24}h0m0s`,
                extraEnvVars: Object.entries(env).map(([k, v]) => ({ name: k, value: String(v) })),
            },
            snapshotsEnabled: false,
            deployNodeAgent: true,
            nodeAgent: {
                tolerations: args.nodeAgentTolerations,
                // homes are mounted on user and GPU nodes only; the system pool keeps its pod slots (EKS's are few)
                ...(Object.keys(args.systemNodeLabels).length > 0
                    ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: Object.entries(args.systemNodeLabels).map(([key, value]) => ({ key, operator: "NotIn", values: [value] })) }] } } } }
                    : {}), podLabels: { ...this.identity.podLabels }, resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "1Gi" } } },
            podLabels: { ...this.identity.podLabels },
            // the projected web-identity token (IRSA) is readable by the pod's fsGroup only; Velero runs as non-root
            // (the chart's own comment on podSecurityContext: "Set fsGroup for AWS IAM Roles for Service Accounts")
            podSecurityContext: { fsGroup: 65534 },
            nodeSelector: args.systemPlacement.nodeSelector,
            tolerations: args.systemPlacement.tolerations,
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
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
        const custom = { parent: this, provider, dependsOn: [this.release] };
        this.schedule = new k8s.apiextensions.CustomResource(
            `${name}-homes`,
            {
                apiVersion: "velero.io/v1",
                kind: "Schedule",
                metadata: { name: HOMES_SCHEDULE, namespace },
                spec: {
                    schedule: args.schedule,
                    useOwnerReferencesInBackup: false,
                    template: {
                        includedNamespaces: [...new Set(args.namespaces)],
                        includedResources: ["pods", "persistentvolumeclaims", "persistentvolumes"],
                        orLabelSelectors: HOMES_SELECTORS,
                        defaultVolumesToFsBackup: true,
                        snapshotVolumes: false,
                        storageLocation: "default",
                        ttl: `${args.retentionDays * 24}h0m0s`,
                    },
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
                    metadata: { name: "restore-homes", namespace },
                    spec: {
                        // `latest`: the newest backup of the homes schedule (Restore.spec.scheduleName)
                        ...(args.restoreFrom === "latest" ? { scheduleName: HOMES_SCHEDULE } : { backupName: args.restoreFrom }),
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
