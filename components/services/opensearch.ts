import * as pulumi from "@pulumi/pulumi";
import { containerResources, SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { chartRelease } from "../helm/release";
import { splitImage } from "../hub/images";
import { SERVICE_CHARTS, SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService, ServiceContext } from "./catalog";
import { credentialsSecret, databaseConnection, DataService, ingressPolicy, password } from "./common";

/** The variable notebooks read OpenSearch's URL (with the admin credentials) from. */
export const OPENSEARCH_URL_ENV = "WORKBENCH_OPENSEARCH_URL";

/** The chart's Helm release: its pods carry `app.kubernetes.io/instance: <release>`. */
export const OPENSEARCH_RELEASE = "opensearch";
/** The chart's client Service: `<clusterName>-<nodeGroup>`. */
const OPENSEARCH_SERVICE = "opensearch-cluster-master";
const PORT = 9200;

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
    systemPods: (settings) => [{ component: "OpenSearch", ...sizeWith(SERVER_SIZES.opensearch, settings), pods: 1 }],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-opensearch`;
        const component = new DataService("OpenSearch", name, { parent });
        const admin = password(`${name}-admin`, component);
        const secretName = "opensearch-credentials";
        const host = `${OPENSEARCH_SERVICE}.${context.namespace}.svc`;
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            username: "admin",
            password: admin.result,
            url: pulumi.interpolate`https://admin:${admin.result}@${host}:${PORT}`,
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
        context.warn("OpenSearch has no scheduled snapshots here (its repository-s3 plugin is not in the image; see docs/services.md).");
        component.done();
        return {
            connection: databaseConnection({
                name: "opensearch",
                variable: OPENSEARCH_URL_ENV,
                secretName,
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
            readyWhen: [secret],
        };
    },
};
