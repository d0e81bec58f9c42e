import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceAccountRef, WorkloadIdentity } from "../../providers/contract";
import { containerResources, OPERATOR_SIZES, SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { chartRelease } from "../helm/release";
import { SERVICE_CHARTS, SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService, ServiceContext, ServiceSettings } from "./catalog";
import { apiServerEgress, bucketEgress, childOptions, clientSecret, credentialsSecret, databaseConnection, DataService, egressPolicy, ingressPolicy, password, platformPods, serviceLabels } from "./common";

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

/**
 * The operator's pod labels: the chart's selector labels (cloudnative-pg/charts cloudnative-pg-v0.29.0
 * `templates/_helpers.tpl` `cloudnative-pg.selectorLabels`: the chart's name and the release's).
 */
export const CNPG_OPERATOR_POD_LABELS: Readonly<Record<string, string>> = {
    "app.kubernetes.io/name": "cloudnative-pg",
    "app.kubernetes.io/instance": OPERATOR_RELEASE,
};

/**
 * The CloudNativePG release the pinned chart installs, and the release whose operator removes the in-tree
 * `spec.backup.barmanObjectStore` (its admission webhook's own warning at v1.30.0:
 * `internal/webhook/v1/cluster_webhook.go` `getInTreeBarmanWarnings`: "will be completely removed in
 * CloudNativePG 1.31.0").
 */
export const CNPG_VERSION = "1.30.0";
export const CNPG_IN_TREE_BARMAN_REMOVED_IN = "1.31.0";

/** The warning a stack with in-tree backups gets: what to do before the operator's next minor. */
export const IN_TREE_BARMAN_WARNING =
    `PostgreSQL backups use CloudNativePG's deprecated in-tree Barman Cloud (spec.backup.barmanObjectStore), which the pinned operator ${CNPG_VERSION} ` +
    `says is removed in ${CNPG_IN_TREE_BARMAN_REMOVED_IN}: keep the operator below ${CNPG_IN_TREE_BARMAN_REMOVED_IN} until the backups move to the Barman Cloud plugin (docs/services.md).`;

/** Labels CloudNativePG puts on every instance pod of the cluster. */
export const POSTGRES_POD_LABELS: Readonly<Record<string, string>> = { "cnpg.io/cluster": POSTGRES_CLUSTER };

/** Daily at 03:00; CloudNativePG's schedule has six fields, seconds first. */
export const POSTGRES_BACKUP_SCHEDULE = "0 0 3 * * *";

/** The roles and databases other services asked for (MLflow's), with the labels of the pods that use them. */
const EXTRA_DATABASES = { mlflow: serviceLabels("mlflow") } as const;

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
    const blob = azureBlobUrl(bucketUrl);
    if (blob) {
        // DefaultAzureCredential (barman-cloud `--credential default`: cloudnative-pg/barman-cloud v0.5.1
        // pkg/command/commandbuilder.go), which takes workload identity from the variables AKS's webhook injects
        // into the pod; in CloudNativePG since 1.27.3 (`azureCredentials.useDefaultAzureCredentials`)
        return { barmanObjectStore: { ...common, destinationPath: `${blob}/${BACKUP_PREFIX}`, azureCredentials: { useDefaultAzureCredentials: true } }, ...retention };
    }
    return undefined;
}

/**
 * An Azure Blob container's URL as barman-cloud takes it (`https://<account>.blob.core.windows.net/<container>`),
 * from the URL forms the contract allows for Azure storage (`abfs[s]://<container>@<account>.dfs.core.windows.net/`,
 * `wasb[s]://<container>@<account>.blob.core.windows.net/`, or that https form); undefined for other stores.
 */
export function azureBlobUrl(bucketUrl: string): string | undefined {
    const adls = /^(?:abfss?|wasbs?):\/\/([^@/]+)@([^./]+)\.(?:dfs|blob)\.core\.windows\.net\/?$/.exec(bucketUrl);
    if (adls) return `https://${adls[2]}.blob.core.windows.net/${adls[1]}`;
    const https = /^https:\/\/([^./]+)\.(?:dfs|blob)\.core\.windows\.net\/([^/]+)\/?$/.exec(bucketUrl);
    return https ? `https://${https[1]}.blob.core.windows.net/${https[2]}` : undefined;
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
        // the ordinary role (the database's owner, no superuser, no CREATEROLE: CloudNativePG's initdb owner)
        // for CloudNativePG's bootstrap, in the platform namespace; the superuser stays CloudNativePG's own
        // (its Secret exists only with enableSuperuserAccess, which stays off)
        const appSecret = `${POSTGRES_CLUSTER}-app-credentials`;
        const secrets = [credentialsSecret(`${name}-app`, appSecret, context, component, { username: DATABASE, password: user.result }, "kubernetes.io/basic-auth")];
        // what notebooks get: the same ordinary role's URL, in the user namespace
        const clientName = `${POSTGRES_CLUSTER}-client`;
        const client = clientSecret(name, clientName, context, component, {
            url: pulumi.interpolate`postgresql://${DATABASE}:${user.result}@${host}:${PORT}/${DATABASE}`,
        });

        // databases of later services (MLflow), declared now: managed roles live in the Cluster's spec
        const extra = (Object.keys(EXTRA_DATABASES) as (keyof typeof EXTRA_DATABASES)[]).filter((db) => context.enabled.has(db));
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
        const recovering = backup !== undefined && context.restore?.has("postgres") === true;
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
                    bootstrap: recovering
                        ? // the newest base backup and every archived WAL after it, from the bucket (CloudNativePG "Recovery")
                          { recovery: { source: RECOVERY_SOURCE, database: DATABASE, owner: DATABASE, secret: { name: appSecret } } }
                        : { initdb: { database: DATABASE, owner: DATABASE, secret: { name: appSecret } } },
                    ...(recovering && backup ? { externalClusters: backup.section.apply((section) => recoverySources(section)) } : {}),
                    // no superuser Secret: nobody but the operator's local connection is postgres
                    enableSuperuserAccess: false,
                    ...(extra.length > 0
                        ? { managed: { roles: extra.map((db) => ({ name: db, ensure: "present", login: true, passwordSecret: { name: extraSecrets.get(db) } })) } }
                        : {}),
                    ...(backup ? { serviceAccountTemplate: { metadata: { annotations: backup.identity.serviceAccountAnnotations } } } : {}),
                    ...(backup && Object.keys(backup.identity.podLabels).length > 0 ? { inheritedMetadata: { labels: backup.identity.podLabels } } : {}),
                    ...(backup ? { backup: recovering ? backup.section.apply(archiveAfterRecovery) : backup.section } : {}),
                },
            },
            // deleting the Cluster would garbage-collect its claims (CloudNativePG owns them: v1.30.0
            // pkg/reconciler/persistentvolumeclaim/build.go `WithClusterInheritance`): switching PostgreSQL off, or a
            // refactor, leaves the Cluster and its data in place; remove it by hand once the data is safe
            { ...childOptions(context, component, [operator, ...secrets, ...(backup?.readyWhen ?? [])]), retainOnDelete: true },
        );
        for (const db of extra) {
            new k8s.apiextensions.CustomResource(
                `${name}-${db}-database`,
                {
                    apiVersion: "postgresql.cnpg.io/v1",
                    kind: "Database",
                    metadata: { name: `${POSTGRES_CLUSTER}-${db}`, namespace: context.namespace },
                    // `retain`: deleting the custom resource leaves the database (CloudNativePG's default too)
                    spec: { name: db, owner: db, cluster: { name: POSTGRES_CLUSTER }, databaseReclaimPolicy: "retain" },
                },
                { ...childOptions(context, component, [cluster]), retainOnDelete: true },
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
        // 5432 to user code (and to MLflow and the instance's peers, below); the instance manager's 8000 to the operator only
        const extraIngress = [
            { from: [platformPods(CNPG_OPERATOR_POD_LABELS)], ports: [INSTANCE_MANAGER_PORT] },
            { from: [platformPods(POSTGRES_POD_LABELS)], ports: [PORT] },
            ...extra.map((db) => ({ from: [platformPods(EXTRA_DATABASES[db])], ports: [PORT] })),
        ];
        ingressPolicy(name, context, component, { ...POSTGRES_POD_LABELS }, [PORT], extraIngress);
        // the instance manager calls the API server; WAL and base backups go to the bucket; replicas stream from peers
        egressPolicy(name, context, component, { ...POSTGRES_POD_LABELS }, [
            { to: [platformPods(POSTGRES_POD_LABELS)], ports: [{ port: PORT, protocol: "TCP" }] },
            ...apiServerEgress(context),
            ...bucketEgress(context, backup?.identity),
        ]);
        component.done();

        return {
            connection: databaseConnection({
                name: "postgres",
                namespace: context.namespace,
                variable: POSTGRES_URL_ENV,
                secretName: clientName,
                key: "url",
                podLabels: { ...POSTGRES_POD_LABELS },
                ports: [PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.postgres],
                example: {
                    title: "PostgreSQL",
                    code: `import os, psycopg\nwith psycopg.connect(os.environ["${POSTGRES_URL_ENV}"]) as db:\n    print(db.execute("SELECT version()").fetchone()[0])`,
                },
            }),
            readyWhen: [client],
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

/** The external cluster a restore recovers from: the archive this stack's Cluster wrote. */
export const RECOVERY_SOURCE = "origin";

/** The barman server name a recovered Cluster archives under: not the origin's, which it must not overwrite. */
export const RECOVERED_SERVER_NAME = `${POSTGRES_CLUSTER}-restored`;

/**
 * Where a restore reads from: the Cluster's own object store, under the server name it archived as (the Cluster's
 * name, barman-cloud's default). Empty where the cloud gives no backup section (no recovery possible either).
 */
export function recoverySources(section: Record<string, unknown> | undefined): Array<Record<string, unknown>> {
    const store = section?.["barmanObjectStore"];
    return store ? [{ name: RECOVERY_SOURCE, barmanObjectStore: { ...(store as Record<string, unknown>), serverName: POSTGRES_CLUSTER } }] : [];
}

/**
 * A recovered Cluster's own archive: CloudNativePG refuses to archive into a non-empty WAL archive ("Expected empty
 * archive", docs/src/recovery.md), and skipping that check would let the new timeline overwrite the origin's
 * catalog, so it archives beside it under another server name.
 */
export function archiveAfterRecovery(section: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    const store = section?.["barmanObjectStore"];
    return section && store ? { ...section, barmanObjectStore: { ...(store as Record<string, unknown>), serverName: RECOVERED_SERVER_NAME } } : section;
}

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
    context.warn(IN_TREE_BARMAN_WARNING);
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
