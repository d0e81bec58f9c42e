import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceAccountRef, WorkloadIdentity } from "../../providers/contract";
import { containerResources, OPERATOR_SIZES, SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { chartRelease } from "../helm/release";
import { SERVICE_CHARTS, SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService, ServiceContext, ServiceSettings } from "./catalog";
import { childOptions, credentialsSecret, databaseConnection, DataService, ingressPolicy, password } from "./common";

/** The variable notebooks read PostgreSQL's URL from. */
export const POSTGRES_URL_ENV = "WORKBENCH_POSTGRES_URL";

/** The CloudNativePG Cluster's name: its Services are `<name>-rw`, `-ro`, `-r`, its ServiceAccount `<name>`. */
export const POSTGRES_CLUSTER = "postgres";

const PORT = 5432;
/** CloudNativePG's instance manager: the operator reads each instance's status here. */
const INSTANCE_MANAGER_PORT = 8000;
const DATABASE = "workbench";
/** The operator's Helm release (its chart names the Deployment after it). */
const OPERATOR_RELEASE = "cloudnative-pg";

/** Labels CloudNativePG puts on every instance pod of the cluster. */
export const POSTGRES_POD_LABELS: Readonly<Record<string, string>> = { "cnpg.io/cluster": POSTGRES_CLUSTER };

/** Daily at 03:00; CloudNativePG's schedule has six fields, seconds first. */
export const POSTGRES_BACKUP_SCHEDULE = "0 0 3 * * *";

/** The roles and databases other services asked for: MLflow's. */
const EXTRA_DATABASES = ["mlflow"] as const;

/** The backup section of the Cluster, for the bucket's scheme and the identity's way of signing in. */
/** Where in the bucket the backups go; the backup identity reaches only this prefix where the cloud allows. */
export const BACKUP_PREFIX = "backups/postgres";

export function barmanObjectStore(
    bucketUrl: string,
    identity: Pick<WorkloadIdentity, "env" | "secretEnv">,
    credentialsSecretName: string,
    retentionDays: number,
): Record<string, unknown> | undefined {
    const scheme = bucketUrl.split("://")[0];
    const common = {
        destinationPath: `${bucketUrl.replace(/\/$/, "")}/${BACKUP_PREFIX}`,
        wal: { compression: "gzip" },
        data: { compression: "gzip" },
    };
    const retention = { retentionPolicy: `${retentionDays}d` };
    if (scheme === "s3") {
        const keys = "AWS_ACCESS_KEY_ID" in identity.secretEnv;
        const endpoint = identity.env["AWS_ENDPOINT_URL_S3"];
        return {
            barmanObjectStore: {
                ...common,
                ...(endpoint ? { endpointURL: endpoint } : {}),
                // IRSA: the pods' ServiceAccount carries the role; an S3-compatible store has keys, kept in a Secret
                s3Credentials: keys
                    ? {
                          accessKeyId: { name: credentialsSecretName, key: "AWS_ACCESS_KEY_ID" },
                          secretAccessKey: { name: credentialsSecretName, key: "AWS_SECRET_ACCESS_KEY" },
                      }
                    : { inheritFromIAMRole: true },
            },
            ...retention,
        };
    }
    if (scheme === "gs") {
        return { barmanObjectStore: { ...common, googleCredentials: { gkeEnvironment: true } }, ...retention };
    }
    // Azure workload identity in barman-cloud is unresolved upstream (plugin-barman-cloud#649): no backups there
    return undefined;
}

/**
 * PostgreSQL through CloudNativePG: the operator (100m/200Mi, in the workbench namespace, watching only
 * it) and a one-instance Cluster on the retained class. The operator gives what a plain image cannot:
 * a daily base backup plus continuous WAL archiving to the bucket, with retention, under the cluster's
 * own ServiceAccount and identity, and minor upgrades by changing one image tag.
 */
export const postgres: CatalogService<"postgres"> = {
    name: "postgres",
    requires: [],
    systemPods: (settings) => [
        { component: "CloudNativePG operator", ...OPERATOR_SIZES.cloudnativePg, pods: 1 },
        { component: "PostgreSQL", ...sizeWith(SERVER_SIZES.postgres, settings), pods: 1 },
    ],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-postgres`;
        const component = new DataService("PostgreSQL", name, { parent });
        const system = { nodeSelector: context.systemPlacement.nodeSelector, tolerations: context.systemPlacement.tolerations };

        const operator = chartRelease(
            `${name}-operator`,
            {
                chart: SERVICE_CHARTS.cloudnativePg,
                releaseName: OPERATOR_RELEASE,
                namespace: context.namespace,
                values: {
                    ...system,
                    resources: containerResources(OPERATOR_SIZES.cloudnativePg),
                    // one namespace to watch: the Role it needs is namespaced, not cluster-wide
                    config: { clusterWide: false },
                },
                provider: context.provider,
                dependsOn: context.dependsOn,
            },
            component,
        );

        const user = password(`${name}-app`, component);
        const host = `${POSTGRES_CLUSTER}-rw.${context.namespace}.svc`;
        const appSecret = `${POSTGRES_CLUSTER}-app-credentials`;
        const secrets = [
            credentialsSecret(
                `${name}-app`,
                appSecret,
                context,
                component,
                {
                    username: DATABASE,
                    password: user.result,
                    url: pulumi.interpolate`postgresql://${DATABASE}:${user.result}@${host}:${PORT}/${DATABASE}`,
                },
                "kubernetes.io/basic-auth",
            ),
        ];

        // databases of later services (MLflow), declared now: managed roles live in the Cluster's spec
        const extra = EXTRA_DATABASES.filter((db) => context.enabled.has(db));
        const extraSecrets = new Map<string, string>();
        for (const db of extra) {
            const secretName = `${POSTGRES_CLUSTER}-${db}-credentials`;
            const pass = password(`${name}-${db}`, component);
            secrets.push(
                credentialsSecret(
                    `${name}-${db}`,
                    secretName,
                    context,
                    component,
                    { username: db, password: pass.result, url: pulumi.interpolate`postgresql://${db}:${pass.result}@${host}:${PORT}/${db}` },
                    "kubernetes.io/basic-auth",
                ),
            );
            extraSecrets.set(db, secretName);
        }

        const backup = postgresBackup(name, context, settings, component);
        const size = sizeWith(SERVER_SIZES.postgres, settings);
        const cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Cluster",
                metadata: { name: POSTGRES_CLUSTER, namespace: context.namespace },
                spec: {
                    instances: 1,
                    imageName: SERVICE_IMAGES.postgres,
                    storage: { size: `${settings.storageGiB ?? STORAGE_GIB.postgres}Gi`, storageClass: context.retainedStorageClass },
                    resources: containerResources(size),
                    postgresql: { parameters: { shared_buffers: `${Math.floor(size.memoryMiB / 4)}MB` } },
                    affinity: system,
                    bootstrap: { initdb: { database: DATABASE, owner: DATABASE, secret: { name: appSecret } } },
                    ...(extra.length > 0
                        ? { managed: { roles: extra.map((db) => ({ name: db, ensure: "present", login: true, passwordSecret: { name: extraSecrets.get(db) } })) } }
                        : {}),
                    ...(backup ? { serviceAccountTemplate: { metadata: { annotations: backup.identity.serviceAccountAnnotations } } } : {}),
                    ...(backup && Object.keys(backup.identity.podLabels).length > 0 ? { inheritedMetadata: { labels: backup.identity.podLabels } } : {}),
                    ...(backup ? { backup: backup.section } : {}),
                },
            },
            childOptions(context, component, [operator, ...secrets, ...(backup?.readyWhen ?? [])]),
        );
        for (const db of extra) {
            new k8s.apiextensions.CustomResource(
                `${name}-${db}-database`,
                {
                    apiVersion: "postgresql.cnpg.io/v1",
                    kind: "Database",
                    metadata: { name: `${POSTGRES_CLUSTER}-${db}`, namespace: context.namespace },
                    spec: { name: db, owner: db, cluster: { name: POSTGRES_CLUSTER } },
                },
                childOptions(context, component, [cluster]),
            );
        }
        if (backup) {
            new k8s.apiextensions.CustomResource(
                `${name}-daily-backup`,
                {
                    apiVersion: "postgresql.cnpg.io/v1",
                    kind: "ScheduledBackup",
                    metadata: { name: `${POSTGRES_CLUSTER}-daily`, namespace: context.namespace },
                    spec: {
                        schedule: POSTGRES_BACKUP_SCHEDULE,
                        backupOwnerReference: "self",
                        method: "barmanObjectStore",
                        cluster: { name: POSTGRES_CLUSTER },
                        // where the cloud's identity cannot reach the bucket the Cluster has no backup section
                        suspend: backup.section.apply((section) => section === undefined),
                    },
                },
                childOptions(context, component, [cluster]),
            );
        }
        ingressPolicy(name, context, component, { ...POSTGRES_POD_LABELS }, [PORT, INSTANCE_MANAGER_PORT]);
        component.done();

        return {
            connection: databaseConnection({
                name: "postgres",
                variable: POSTGRES_URL_ENV,
                secretName: appSecret,
                key: "url",
                podLabels: { ...POSTGRES_POD_LABELS },
                ports: [PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.postgres],
                example: {
                    title: "PostgreSQL",
                    code: `import os, psycopg\nwith psycopg.connect(os.environ["${POSTGRES_URL_ENV}"]) as db:\n    print(db.execute("SELECT version()").fetchone()[0])`,
                },
            }),
            readyWhen: secrets,
            database: {
                database(owner) {
                    const secretName = extraSecrets.get(owner);
                    if (!secretName) throw new Error(`PostgreSQL declared no database for ${owner}`);
                    return { urlSecret: { name: secretName, key: "url" }, podLabels: { ...POSTGRES_POD_LABELS }, port: PORT, readyWhen: [cluster] };
                },
            },
        };
    },
};

/** The backup's identity and Cluster section, or undefined (with a warning) when backups are off. */
function postgresBackup(
    name: string,
    context: ServiceContext,
    settings: ServiceSettings<"postgres">,
    component: pulumi.Resource,
): { identity: WorkloadIdentity; section: pulumi.Output<Record<string, unknown> | undefined>; readyWhen: pulumi.Resource[] } | undefined {
    if (!settings.backup) return undefined;
    if (!context.objectStore) {
        context.warn("PostgreSQL backups are off: this stack has no bucket to keep them in.");
        return undefined;
    }
    // the Cluster's pods run as its own ServiceAccount (named after it): its own identity, not the notebooks'
    const account: ServiceAccountRef = { namespace: context.namespace, name: POSTGRES_CLUSTER };
    // its own prefix only, where the cloud's IAM can say so (AWS, GCP)
    const identity = context.objectStore.bindServiceAccount(account, { prefix: `${BACKUP_PREFIX}/` });
    const readyWhen: pulumi.Resource[] = [...identity.readyWhen];
    const credentialsName = `${POSTGRES_CLUSTER}-backup-credentials`;
    if (Object.keys(identity.secretEnv).length > 0) {
        readyWhen.push(credentialsSecret(`${name}-backup-credentials`, credentialsName, context, component, identity.secretEnv));
    }
    const section = pulumi.all([context.objectStore.url, pulumi.output(identity.env)]).apply(([url, env]) => {
        const result = barmanObjectStore(url, { env, secretEnv: identity.secretEnv }, credentialsName, settings.backupRetentionDays);
        if (!result) context.warn(`PostgreSQL backups are off: barman-cloud cannot use this cloud's workload identity for ${url.split("://")[0]}:// yet.`);
        return result;
    });
    return { identity, section, readyWhen };
}
