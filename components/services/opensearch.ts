import * as pulumi from "@pulumi/pulumi";
import { containerResources, OPERATOR_SIZES, SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { chartRelease } from "../helm/release";
import { splitImage } from "../hub/images";
import { SERVICE_CHARTS, SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService, ServiceContext } from "./catalog";
import { clientSecret, credentialsSecret, databaseConnection, DataService, egressPolicy, ingressPolicy, password, URL_SAFE_SPECIALS } from "./common";

/** The variable notebooks read OpenSearch's URL (with the ordinary user's credentials) from. */
export const OPENSEARCH_URL_ENV = "WORKBENCH_OPENSEARCH_URL";

/** The chart's Helm release: its pods carry `app.kubernetes.io/instance: <release>`. */
export const OPENSEARCH_RELEASE = "opensearch";
/** The chart's client Service: `<clusterName>-<nodeGroup>`. */
const OPENSEARCH_SERVICE = "opensearch-cluster-master";
const PORT = 9200;
/** The ordinary user notebooks use, and its role. */
export const OPENSEARCH_USER = "workbench";

/**
 * OpenSearch's documented rule for the initial admin password (security plugin ≥2.12, demo installer:
 * opensearch-project/security `SecuritySettingsConfigurer`): at least 8 characters with an upper-case letter,
 * a lower-case letter, a digit and a special character (then a zxcvbn strength of "strong"). Written here as
 * the documentation states it, not as the installer's escaped regex (whose "special" class also accepts digits).
 */
export const OPENSEARCH_PASSWORD_RULE = /^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])(?=.*[^A-Za-z0-9]).{8,}$/;

/**
 * The ordinary role: every index but the security plugin's protected system indices, and of the cluster
 * only `cluster_monitor`: no users, roles, security configuration or cluster settings. Security REST API:
 * PUT _plugins/_security/api/{roles,internalusers,rolesmapping}/<name> (each creates or replaces).
 */
export const OPENSEARCH_ROLE = { cluster_permissions: ["cluster_monitor"], index_permissions: [{ index_patterns: ["*"], allowed_actions: ["indices_all"] }] };

/**
 * The sidecar's script: once the server answers (demo TLS, hence -k on loopback), makes sure the ordinary
 * role, user and mapping exist with the generated password, then idles. Idempotent: it runs at every start.
 */
export const OPENSEARCH_USER_SCRIPT = `set -eu
api() { curl -fsSk -o /dev/null -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' -X PUT "https://localhost:${PORT}/_plugins/_security/api/$1" -d "$2"; }
until api "roles/$APP_USER" '${JSON.stringify(OPENSEARCH_ROLE)}' \\
  && api "internalusers/$APP_USER" "{\\"password\\":\\"$APP_PASSWORD\\"}" \\
  && api "rolesmapping/$APP_USER" "{\\"users\\":[\\"$APP_USER\\"]}"; do
  sleep 10
done
exec sleep infinity
`;

/** Labels the chart puts on its pods (its selector labels). */
export const OPENSEARCH_POD_LABELS: Readonly<Record<string, string>> = {
    "app.kubernetes.io/name": "opensearch",
    "app.kubernetes.io/instance": OPENSEARCH_RELEASE,
};

/**
 * The server's configuration file. Nothing in it mentions the security plugin, so the image's demo
 * installer still configures it (TLS with the demo certificates, the admin password from the Secret).
 * Without mmap, the node's vm.max_map_count (which no pod may set) is not needed.
 */
const OPENSEARCH_YML = `cluster.name: opensearch-cluster
network.host: 0.0.0.0
node.store.allow_mmap: false
`;

/** The opensearch chart's values for one small node. */
export function opensearchValues(context: Pick<ServiceContext, "systemPlacement" | "retainedStorageClass">, settings: { storageGiB?: number; cpuMillis?: number; memoryMiB?: number }, secretName: string): Record<string, unknown> {
    const size = sizeWith(SERVER_SIZES.opensearch, settings);
    const heapMiB = Math.floor(size.memoryMiB / 3);
    const image = splitImage(SERVICE_IMAGES.opensearch);
    return {
        singleNode: true,
        replicas: 1,
        image: { repository: image.name.replace(/^docker\.io\//, ""), tag: image.tag },
        config: { "opensearch.yml": OPENSEARCH_YML },
        opensearchJavaOpts: `-Xms${heapMiB}m -Xmx${heapMiB}m`,
        resources: containerResources(size),
        // OpenSearch 2.12+ refuses to start its demo security without a strong admin password; read on first start only
        extraEnvs: [{ name: "OPENSEARCH_INITIAL_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "password" } } }],
        // the ordinary account notebooks use, made through the security REST API as admin (the image has curl)
        extraContainers: [
            {
                name: "workbench-user",
                image: SERVICE_IMAGES.opensearch,
                command: ["bash", "-c", OPENSEARCH_USER_SCRIPT],
                env: [
                    { name: "ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "password" } } },
                    { name: "APP_USER", value: OPENSEARCH_USER },
                    { name: "APP_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "app-password" } } },
                ],
                resources: containerResources(OPERATOR_SIZES.accountSidecar),
            },
        ],
        persistence: {
            enabled: true,
            // the pod's fsGroup makes the volume writable; the chown init container would pull busybox:latest
            enableInitChown: false,
            storageClass: context.retainedStorageClass,
            size: `${settings.storageGiB ?? STORAGE_GIB.opensearch}Gi`,
        },
        nodeSelector: context.systemPlacement.nodeSelector,
        tolerations: context.systemPlacement.tolerations,
        // a single node: nothing to spread
        antiAffinity: "soft",
        // written by the workbench (admits the workbench's pods only)
        networkPolicy: { create: false },
        sysctlInit: { enabled: false },
    };
}

/**
 * OpenSearch (Apache-2.0, Elasticsearch-compatible API) from its Helm chart, one node. The operator's
 * stable line is old and its current one is an alpha; it also requests 350Mi of its own.
 */
export const opensearch: CatalogService<"opensearch"> = {
    name: "opensearch",
    requires: [],
    systemPods: (settings) => {
        const server = sizeWith(SERVER_SIZES.opensearch, settings);
        const sidecar = OPERATOR_SIZES.accountSidecar;
        return [{ component: "OpenSearch (with its account sidecar)", cpuMillis: server.cpuMillis + sidecar.cpuMillis, memoryMiB: server.memoryMiB + sidecar.memoryMiB, pods: 1 }];
    },
    deploy(context, settings, parent) {
        const name = `${context.workbench}-opensearch`;
        const component = new DataService("OpenSearch", name, { parent });
        // the documented rule asks for a special character: one of the URL-safe four, so the URL needs no escaping
        const admin = password(`${name}-admin`, component, 32, URL_SAFE_SPECIALS);
        const app = password(`${name}-app`, component, 32, URL_SAFE_SPECIALS);
        const secretName = "opensearch-credentials";
        const host = `${OPENSEARCH_SERVICE}.${context.namespace}.svc`;
        // the admin's and the ordinary user's passwords: the server's own
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            username: "admin",
            password: admin.result,
            "app-username": OPENSEARCH_USER,
            "app-password": app.result,
        });
        const clientName = "opensearch-client";
        const client = clientSecret(name, clientName, context, component, {
            url: pulumi.interpolate`https://${OPENSEARCH_USER}:${app.result}@${host}:${PORT}`,
        });
        chartRelease(
            name,
            {
                chart: SERVICE_CHARTS.opensearch,
                releaseName: OPENSEARCH_RELEASE,
                namespace: context.namespace,
                values: opensearchValues(context, settings, secretName),
                provider: context.provider,
                dependsOn: [...context.dependsOn, secret],
            },
            component,
        );
        ingressPolicy(name, context, component, { ...OPENSEARCH_POD_LABELS }, [PORT]);
        // one node: no transport peers, no API, no bucket (no snapshot repository)
        egressPolicy(name, context, component, { ...OPENSEARCH_POD_LABELS }, []);
        component.done();
        return {
            connection: databaseConnection({
                name: "opensearch",
                namespace: context.namespace,
                variable: OPENSEARCH_URL_ENV,
                secretName: clientName,
                key: "url",
                podLabels: { ...OPENSEARCH_POD_LABELS },
                ports: [PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.opensearch],
                example: {
                    title: "OpenSearch",
                    // the demo certificate is self-signed: the NetworkPolicy, not TLS, keeps the traffic in the workbench
                    code: `import os; from opensearchpy import OpenSearch\nclient = OpenSearch(os.environ["${OPENSEARCH_URL_ENV}"], verify_certs=False, ssl_show_warn=False)\nprint(client.info()["version"]["number"])`,
                },
            }),
            readyWhen: [client],
        };
    },
};
