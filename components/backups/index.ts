import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GpuPool, NodePlacement, NodePool, ObjectStore, Toleration } from "../../providers/contract";
import type { BackupTarget, WorkbenchConfig } from "../../stacks/schema";
import { ServiceDump } from "./dumps";
import { DUMPED_SERVICES, DumpedService } from "./scripts";
import { Velero } from "./velero";

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
    objectStore?: ObjectStore;
    systemPlacement: NodePlacement;
    userPool: NodePool;
    gpuPools: readonly GpuPool[];
    podsNeedMetadataServer: boolean;
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
        if (targets.homes) {
            const tolerations: Toleration[] = [...args.userPool.placement.tolerations, ...args.gpuPools.flatMap((pool) => pool.placement.tolerations)];
            // Velero in a namespace of its own: its node agent reads volumes through hostPath (PSA privileged), which
            // neither the platform namespace nor users' may allow, and its cluster-wide role stays apart from both
            const veleroNamespace = new k8s.core.v1.Namespace(
                `${name}-velero`,
                {
                    metadata: {
                        name: `${args.namespace}-backups`,
                        labels: { "app.kubernetes.io/part-of": "workbench", "pod-security.kubernetes.io/enforce": "privileged" },
                    },
                },
                { parent: this, provider, dependsOn: args.dependsOn },
            );
            const velero = new Velero(
                `${name}-velero`,
                {
                    namespace: `${args.namespace}-backups`,
                    namespaces: [args.userNamespace, args.namespace],
                    objectStore,
                    location,
                    schedule: backups.schedule,
                    retentionDays: backups.retentionDays,
                    systemPlacement: args.systemPlacement,
                    nodeAgentTolerations: uniqueTolerations(tolerations),
                    systemNodeLabels: args.systemPlacement.nodeSelector,
                    restoreFrom: restore?.homes ? restore.from : undefined,
                    provider,
                    dependsOn: [...args.dependsOn, veleroNamespace],
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
}

function uniqueTolerations(tolerations: Toleration[]): Toleration[] {
    const seen = new Map<string, Toleration>();
    for (const toleration of tolerations) seen.set(JSON.stringify(toleration), toleration);
    return [...seen.values()];
}
