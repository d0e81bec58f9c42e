import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NodePlacement, ObjectStore, ServiceAccountRef, WorkloadIdentity } from "../../providers/contract";
import { containerResources } from "../capacity/requests";
import { BACKUP_IMAGES } from "../versions";
import { rcloneEnv } from "./rclone";
import { DOWNLOAD_SCRIPT, DUMP_FILES, DUMP_SCRIPTS, DumpedService, LOAD_SCRIPTS, SEARCH_SCRIPT, UPLOAD_SCRIPT } from "./scripts";
import { DUMP_TARGETS } from "./targets";

/*
 * A data service's dump on a schedule: a CronJob in the platform namespace, under its own ServiceAccount bound to
 * the bucket with the prefix `backups/<service>/` only (where the cloud's IAM can say so), whose first container
 * dumps with the service's own tool into an emptyDir and whose second uploads the file with rclone. A restore is
 * the same in reverse: a Job downloading the newest dump and loading it.
 */

/** The label every backup and restore pod carries, with the service it serves. */
export const BACKUP_OF_LABEL = "workbench.io/backup-of";

/** Where a dumped service's backups go in the bucket. */
export function backupPrefix(service: string): string {
    return `backups/${service}/`;
}

/** What one service's dump and restore need. */
export interface ServiceDumpArgs {
    service: DumpedService;
    /** The platform namespace (servers, their Secrets, these Jobs). */
    namespace: string;
    objectStore: ObjectStore;
    /** Five-field cron, UTC. */
    schedule: string;
    retentionDays: number;
    /** Load the newest dump once (workbench:restore). */
    restore: boolean;
    systemPlacement: NodePlacement;
    /** Workload identity's metadata server (GKE): the pods reach it. */
    podsNeedMetadataServer: boolean;
    provider: k8s.Provider;
    dependsOn: pulumi.Resource[];
}

const DUMP_VOLUME = { name: "dump", emptyDir: {} };
const SCRIPTS_VOLUME = "scripts";

/** A service's scheduled dump (and, with `restore`, the Job loading the newest one). */
export class ServiceDump extends pulumi.ComponentResource {
    /** The identity the Jobs run with. */
    readonly identity: WorkloadIdentity;
    /** The ServiceAccount the Jobs run as. */
    readonly account: ServiceAccountRef;
    readonly cronJob: k8s.batch.v1.CronJob;
    readonly restoreJob?: k8s.batch.v1.Job;

    constructor(name: string, args: ServiceDumpArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:backups:ServiceDump", name, {}, opts);
        const { service, namespace, objectStore, provider } = args;
        const target = DUMP_TARGETS[service];
        const location = objectStore.backupLocation;
        if (!location) throw new Error(`the platform's object store says no backupLocation: ${service} cannot be backed up`);
        this.account = { namespace, name: `backup-${service}` };
        // its own identity, reaching only its prefix where the cloud's IAM can say so
        this.identity = objectStore.bindServiceAccount(this.account, { prefix: backupPrefix(service) });
        const child = { parent: this, provider };
        const dependsOn = [...args.dependsOn, ...this.identity.readyWhen];

        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-account`,
            { metadata: { name: this.account.name, namespace, annotations: this.identity.serviceAccountAnnotations }, automountServiceAccountToken: false },
            { ...child, dependsOn },
        );
        const keys = Object.keys(this.identity.secretEnv);
        const keySecret =
            keys.length > 0
                ? new k8s.core.v1.Secret(
                      `${name}-store-key`,
                      { metadata: { name: `backup-${service}-store-key`, namespace }, stringData: Object.fromEntries(Object.entries(this.identity.secretEnv).map(([k, v]) => [k, pulumi.secret(v)])) },
                      { ...child, dependsOn },
                  )
                : undefined;
        const scripts = new k8s.core.v1.ConfigMap(
            `${name}-scripts`,
            { metadata: { name: `backup-${service}-scripts`, namespace }, data: { "search.py": SEARCH_SCRIPT } },
            { ...child, dependsOn },
        );

        const scheme = target.env?.["SEARCH_SCHEME"];
        const host = target.host(namespace);
        const serviceEnv = [
            { name: "HOST", value: host },
            { name: "ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: target.secret.name, key: target.secret.passwordKey } } },
            ...(target.secret.userKey ? [{ name: "SEARCH_USER", valueFrom: { secretKeyRef: { name: target.secret.name, key: target.secret.userKey } } }] : []),
            ...(target.secret.userKey ? [{ name: "SEARCH_PASSWORD", valueFrom: { secretKeyRef: { name: target.secret.name, key: target.secret.passwordKey } } }] : []),
            ...(scheme ? [{ name: "SEARCH_URL", value: `${scheme}://${host}:${target.port}` }] : []),
            ...Object.entries(target.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
        ];
        const storeEnv = pulumi.output({ ...this.identity.env, ...rcloneEnv(location, this.identity) }).apply((env) => Object.entries(env).map(([k, v]) => ({ name: k, value: String(v) })));
        const transferEnv = pulumi.all([storeEnv, objectStore.bucket]).apply(([env, bucket]) => [
            ...env,
            { name: "BUCKET", value: bucket },
            { name: "PREFIX", value: backupPrefix(service) },
            { name: "DUMP_FILE", value: DUMP_FILES[service] },
            { name: "RETENTION_DAYS", value: String(args.retentionDays) },
        ]);
        const envFrom = keySecret ? [{ secretRef: { name: `backup-${service}-store-key` } }] : [];
        const resources = containerResources({ cpuMillis: 100, memoryMiB: 768 });
        const mounts = [{ name: DUMP_VOLUME.name, mountPath: "/dump" }, { name: SCRIPTS_VOLUME, mountPath: "/scripts" }];
        const labels = { "app.kubernetes.io/part-of": "workbench", "app.kubernetes.io/component": "backup", [BACKUP_OF_LABEL]: service, ...this.identity.podLabels };
        const pod = (tool: k8s.types.input.core.v1.Container, transfer: k8s.types.input.core.v1.Container, first: "tool" | "transfer"): k8s.types.input.core.v1.PodTemplateSpec => ({
            metadata: { labels },
            spec: {
                serviceAccountName: this.account.name,
                // the cloud's token is projected by its webhook where it needs one; the API server is never called
                automountServiceAccountToken: false,
                restartPolicy: "Never",
                nodeSelector: args.systemPlacement.nodeSelector,
                tolerations: args.systemPlacement.tolerations,
                initContainers: [first === "tool" ? tool : transfer],
                containers: [first === "tool" ? transfer : tool],
                volumes: [DUMP_VOLUME, { name: SCRIPTS_VOLUME, configMap: { name: `backup-${service}-scripts` } }],
            },
        });
        const tool = (script: string): k8s.types.input.core.v1.Container => ({ name: service, image: target.image, command: ["bash", "-c", script], env: serviceEnv, volumeMounts: mounts, resources });
        const transfer = (script: string, containerName: string): k8s.types.input.core.v1.Container => ({
            name: containerName,
            image: BACKUP_IMAGES.rclone,
            command: ["sh", "-c", script],
            env: transferEnv,
            envFrom,
            volumeMounts: mounts,
            resources,
        });

        this.cronJob = new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            {
                metadata: { name: `backup-${service}`, namespace, labels: { "app.kubernetes.io/part-of": "workbench", [BACKUP_OF_LABEL]: service } },
                spec: {
                    schedule: args.schedule,
                    timeZone: "Etc/UTC",
                    concurrencyPolicy: "Forbid",
                    successfulJobsHistoryLimit: 1,
                    failedJobsHistoryLimit: 3,
                    jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 4 * 3600, template: pod(tool(DUMP_SCRIPTS[service]), transfer(UPLOAD_SCRIPT, "upload"), "tool") } },
                },
            },
            { ...child, dependsOn: [...dependsOn, sa, scripts, ...(keySecret ? [keySecret] : [])] },
        );
        if (args.restore) {
            this.restoreJob = new k8s.batch.v1.Job(
                `${name}-restore`,
                {
                    metadata: { name: `restore-${service}`, namespace, labels: { "app.kubernetes.io/part-of": "workbench", [BACKUP_OF_LABEL]: service } },
                    spec: { backoffLimit: 6, template: pod(tool(LOAD_SCRIPTS[service]), transfer(DOWNLOAD_SCRIPT, "download"), "transfer") },
                },
                // a Job runs once: a later `pulumi up` does not load the dump again over newer data
                { ...child, dependsOn: [...dependsOn, sa, scripts, ...(keySecret ? [keySecret] : [])], ignoreChanges: ["spec"] },
            );
        }

        // the server admits its backup pods (NetworkPolicies add up: this beside the service's own)
        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress`,
            {
                metadata: { name: `${service}-from-backup`, namespace },
                spec: {
                    podSelector: { matchLabels: { ...target.podLabels } },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/component": "backup", [BACKUP_OF_LABEL]: service } } }], ports: [{ port: target.port, protocol: "TCP" }] }],
                },
            },
            { ...child, dependsOn: args.dependsOn },
        );
        this.registerOutputs({});
    }
}
