import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GpuPool, NodePlacement, NodePool, ObjectStore, Toleration, VolumeSnapshots } from "../../providers/contract";
import type { BackupTarget, WorkbenchConfig } from "../../stacks/schema";
import type { HomesMethod } from "../capacity/demand";
import { ServiceDump } from "./dumps";
import { DUMPED_SERVICES, DumpedService } from "./scripts";
import { SnapshotClassRef, Velero, VELERO_SNAPSHOT_CLASS_LABEL } from "./velero";

/*
 * Backups of everything of value into the bucket (docs/backups.md): the homes through Velero, each dumped data
 * service through its own CronJob and identity, PostgreSQL through CloudNativePG's own object-store backups
 * (components/services/postgres.ts). What a stack opts out of is written down in a ConfigMap the policy pack
 * reads (policy/backups.ts), so a data service without a backup is a choice someone made, never an accident.
 */

/** The ConfigMap naming what this stack deliberately does not back up. */
export const BACKUP_POLICY_CONFIGMAP = "workbench-backups";

/** What the backups need from the Workbench. */
export interface BackupsArgs {
    backups: WorkbenchConfig["backups"];
    restore?: WorkbenchConfig["restore"];
    /** Data services the stack runs (with those they require). */
    enabled: readonly string[];
    /** `workbench:services.postgres.backup`: false is an explicit opt-out of PostgreSQL's own backups. */
    postgresBackup: boolean;
    /** The platform namespace. */
    namespace: string;
    /** Where users' servers (and their homes) run. */
    userNamespace: string;
    /** The bucket, where the platform has one. */
    objectStore?: ObjectStore;
    /** How the homes are read, as the fit check decided it (components/backups/method.ts); absent when they are not backed up. */
    homesMethod?: HomesMethod;
    /** The platform's CSI snapshots (the contract's answer), for the snapshot method. */
    volumeSnapshots?: VolumeSnapshots;
    /** The retained class homes and the hub's database are made in (a restore maps other clouds' onto it). */
    retainedStorageClass: pulumi.Input<string>;
    /** The system pool: Velero's server and the dumps run there (and, with snapshots, the data movers). */
    systemPlacement: NodePlacement;
    /** The user pool, where homes are mounted (file-system backup's node agent runs there). */
    userPool: NodePool;
    /** GPU pools, where homes are mounted too. */
    gpuPools: readonly GpuPool[];
    /** Pods must reach the cloud's metadata server for their identity (GKE). */
    podsNeedMetadataServer: boolean;
    /** The cluster's Kubernetes provider. */
    provider: k8s.Provider;
    /** The namespaces and the services' servers. */
    dependsOn: pulumi.Resource[];
    /** Warns once, attached to the workbench. */
    warn(message: string): void;
}

/** The targets a configuration backs up, of those it runs: homes always, then each enabled data service. */
export function backedUp(backups: WorkbenchConfig["backups"], enabled: readonly string[]): { dumped: DumpedService[]; homes: boolean; postgres: boolean } {
    const on = (target: BackupTarget) => backups.enabled && !backups.optOut.includes(target);
    return {
        homes: on("homes"),
        postgres: enabled.includes("postgres") && on("postgres"),
        dumped: DUMPED_SERVICES.filter((service) => enabled.includes(service) && on(service)),
    };
}

/** Every backup of the workbench, and the restore when asked. */
export class Backups extends pulumi.ComponentResource {
    /** What users' first start must wait for (the homes' Restore). */
    readonly readyWhen: pulumi.Resource[] = [];

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:backups:Backups", name, {}, opts);
        const { backups, restore, objectStore, provider } = args;
        const targets = backedUp(backups, args.enabled);
        const optedOut = backups.enabled ? [...backups.optOut] : ["homes", ...args.enabled.filter((s) => s !== "ray" && s !== "mlflow")];
        if (args.enabled.includes("postgres") && !args.postgresBackup) optedOut.push("postgres");
        // what is deliberately not backed up, for the policy pack and for whoever reads the cluster
        new k8s.core.v1.ConfigMap(
            `${name}-policy`,
            {
                metadata: { name: BACKUP_POLICY_CONFIGMAP, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "workbench" } },
                data: {
                    "opted-out": [...new Set(optedOut)].sort().join(","),
                    schedule: backups.schedule,
                    "retention-days": String(backups.retentionDays),
                    bucket: objectStore?.backupLocation ? "yes" : "none",
                },
            },
            { parent: this, provider, dependsOn: args.dependsOn },
        );
        if (!backups.enabled) {
            args.warn("Backups are off (workbench:backups.enabled false): homes and databases live only on their disks.");
            this.registerOutputs({});
            return;
        }
        const location = objectStore?.backupLocation;
        if (!objectStore || !location) {
            if (targets.homes || targets.dumped.length > 0) args.warn("Backups are off: this stack has no bucket to keep them in (set workbench:existing.objectStore).");
            this.registerOutputs({});
            return;
        }
        const restoring = new Set<string>(restore ? (restore.services ?? args.enabled) : []);
        if (targets.homes && args.homesMethod) {
            const method = args.homesMethod;
            const tolerations: Toleration[] = [...args.userPool.placement.tolerations, ...args.gpuPools.flatMap((pool) => pool.placement.tolerations)];
            // Velero in a namespace of its own, its cluster-wide role apart from the platform's and the users'. File-system
            // backup's node agent reads volumes through hostPath (Pod Security privileged), which neither of theirs may
            // allow; the snapshot data mover mounts volumes itself and runs as root, which baseline admits
            const veleroNamespace = new k8s.core.v1.Namespace(
                `${name}-velero`,
                {
                    metadata: {
                        name: `${args.namespace}-backups`,
                        labels: { "app.kubernetes.io/part-of": "workbench", "pod-security.kubernetes.io/enforce": method === "snapshots" ? "baseline" : "privileged" },
                    },
                },
                { parent: this, provider, dependsOn: args.dependsOn },
            );
            const snapshotClass = method === "snapshots" ? this.snapshotClass(name, args) : undefined;
            const velero = new Velero(
                `${name}-velero`,
                {
                    namespace: `${args.namespace}-backups`,
                    namespaces: [args.userNamespace, args.namespace],
                    objectStore,
                    location,
                    schedule: backups.schedule,
                    retentionDays: backups.retentionDays,
                    method,
                    systemPlacement: args.systemPlacement,
                    homeTolerations: uniqueTolerations(tolerations),
                    snapshotClass: snapshotClass?.ref,
                    restoreFrom: restore?.homes ? restore.from : undefined,
                    storageClass: args.retainedStorageClass,
                    provider,
                    dependsOn: [...args.dependsOn, veleroNamespace, ...(snapshotClass?.readyWhen ?? [])],
                },
                { parent: this },
            );
            if (velero.restore) this.readyWhen.push(velero.restore);
        }
        for (const service of targets.dumped) {
            const dump = new ServiceDump(
                `${name}-${service}`,
                {
                    service,
                    namespace: args.namespace,
                    objectStore,
                    schedule: backups.schedule,
                    retentionDays: backups.retentionDays,
                    restore: restoring.has(service),
                    systemPlacement: args.systemPlacement,
                    podsNeedMetadataServer: args.podsNeedMetadataServer,
                    provider,
                    dependsOn: args.dependsOn,
                },
                { parent: this },
            );
            if (dump.identity.reach !== "prefix") {
                args.warn(`The ${service} backup's identity reaches the whole bucket, not only backups/${service}/: this cloud's IAM cannot limit it to a prefix here.`);
            }
        }
        this.registerOutputs({});
    }

    /**
     * The VolumeSnapshotClass of the homes' driver, after what the platform installs for snapshots: the cluster's own
     * (by name), or one made here and labelled for Velero's CSI plugin. Its deletion policy is Delete: Velero deletes
     * each snapshot once its data is in the bucket, and the disk snapshot must go with it.
     */
    private snapshotClass(name: string, args: BackupsArgs): { ref: SnapshotClassRef; readyWhen: pulumi.Resource[] } {
        const snapshots = args.volumeSnapshots;
        if (!snapshots) throw new Error("Backups: the snapshot method was chosen on a platform that offers no CSI snapshots");
        const installed = snapshots.install();
        const source = snapshots.snapshotClass;
        if ("existing" in source) return { ref: { driver: snapshots.driver, name: source.existing }, readyWhen: installed };
        const snapshotClass = new k8s.apiextensions.CustomResource(
            `${name}-velero-snapshot-class`,
            {
                apiVersion: "snapshot.storage.k8s.io/v1",
                kind: "VolumeSnapshotClass",
                metadata: { name: snapshotClassName(args.namespace), labels: { "app.kubernetes.io/part-of": "workbench", [VELERO_SNAPSHOT_CLASS_LABEL]: "true" } },
                driver: snapshots.driver,
                deletionPolicy: "Delete",
                parameters: source.create.parameters,
            },
            { parent: this, provider: args.provider, dependsOn: [...args.dependsOn, ...installed] },
        );
        return { ref: { driver: snapshots.driver, name: snapshotClass.metadata.name }, readyWhen: [snapshotClass] };
    }
}

/** The name of the VolumeSnapshotClass the workbench makes for the homes' driver. */
export function snapshotClassName(workbench: string): string {
    return `${workbench}-snapshots`;
}

function uniqueTolerations(tolerations: Toleration[]): Toleration[] {
    const seen = new Map<string, Toleration>();
    for (const toleration of tolerations) seen.set(JSON.stringify(toleration), toleration);
    return [...seen.values()];
}
