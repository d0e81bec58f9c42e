import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ServiceAccountRef } from "../../providers/contract";
import { signInProxyScript } from "../hub/sign-in-proxy";
import { containerResources, MLFLOW_WORKERS, OPERATOR_SIZES, SERVER_SIZES, sizeWith } from "../capacity/requests";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { bucketEgress, childOptions, credentialsSecret, DataService, egressPolicy, ingressPolicy, platformPods, podsIn, serviceLabels, toPlatformPods } from "./common";

const SERVICE = "mlflow";
/** MLflow's own port: only the sign-in proxy beside it (and the kubelet's probe) call it; no pod is admitted. */
export const MLFLOW_PORT = 5000;
/** The sign-in proxy's port: the hub's proxy forwards `/services/mlflow/` to it, and notebooks call the API through it. */
export const MLFLOW_PROXY_PORT = 8000;
/**
 * The only Host headers MLflow accepts (`--allowed-hosts`): what reaches it at all, the sign-in proxy (which
 * calls `http://127.0.0.1:5000`, so tornado sends that Host) and the kubelet's probe (which sends the Host
 * given in its headers). MLflow's host check (mlflow/server/security_utils.py `is_allowed_host_header`)
 * compares exactly unless a pattern has `*`, and skips only the paths `/health` and `/version`, which
 * `--static-prefix` moves away.
 */
export const MLFLOW_ALLOWED_HOSTS: readonly string[] = [`127.0.0.1:${MLFLOW_PORT}`, `localhost:${MLFLOW_PORT}`];
/** The Host the readiness probe sends (the kubelet's default is the pod's IP, which MLflow refuses with 403). */
export const MLFLOW_PROBE_HOST = `localhost:${MLFLOW_PORT}`;
/**
 * z2jh's pods that call MLflow's sign-in proxy: the proxy (chp) forwards `/services/mlflow/` to it, and the
 * hub checks registered services' URLs. Their legacy match labels (z2jh 4.4.0 `jupyterhub.matchLabels`:
 * `component`, `app`).
 */
export const HUB_PROXY_POD_LABELS: Readonly<Record<string, string>> = { app: "jupyterhub", component: "proxy" };
export const HUB_POD_LABELS: Readonly<Record<string, string>> = { app: "jupyterhub", component: "hub" };
/** The hub's API port, where the sign-in proxy checks users' tokens. */
const HUB_API_PORT = 8081;
/** Where the hub serves the UI; MLflow serves its UI (static files, ajax-api, health) under it, so both paths agree. */
export const MLFLOW_PREFIX = `/services/${SERVICE}`;
/** The label z2jh's hub NetworkPolicy admits API callers by. */
const HUB_ACCESS_LABEL = { "hub.jupyter.org/network-access-hub": "true" };
/** Artifacts without a bucket: a volume on the retained class. */
const ARTIFACT_VOLUME_GIB = 10;

/**
 * MLflow's sign-in, for the UI and the API alike: a small proxy with JupyterHub's own service-auth library
 * (from the hub image) that lets through only users signed in to the hub (the UI's cookie) or presenting
 * their hub token (`Authorization: Bearer`, which MLflow's client sends from MLFLOW_TRACKING_TOKEN; JupyterHub
 * 5.5.1 services/auth.py `auth_header_pat` takes `token` or `bearer`, and a token-authenticated request skips the
 * XSRF check), either holding access to this service, to MLflow on localhost. The UI lives under the prefix (`--static-prefix`);
 * the REST API stays at MLflow's root (mlflow/server/handlers.py `_get_rest_path`), so `<prefix>api/…`, where
 * a client with the prefixed tracking URI calls, is forwarded to `/api/…`.
 */
export const HUB_AUTH_PROXY = signInProxyScript({
    upstreamPort: MLFLOW_PORT,
    port: MLFLOW_PROXY_PORT,
    definitions: `
def upstream_path(uri):
    """Where MLflow serves a proxied path: its REST API at the root, everything else under the prefix."""
    if uri.startswith(PREFIX + "api/"):
        return uri[len(PREFIX) - 1:]
    return uri
`,
});

/** Where in the bucket MLflow keeps artifacts; its identity reaches only this prefix where the cloud allows. */
export const ARTIFACT_PREFIX = "mlflow";

/**
 * `--artifacts-destination` for the bucket's URL as the platform publishes it, in the form MLflow's artifact
 * repository for that endpoint parses: a DFS endpoint (`abfs[s]://c@a.dfs.core.windows.net`, an account with
 * hierarchical namespace) in the TLS form `abfss://` (AzureDataLakeArtifactRepository), a Blob endpoint
 * (`wasb[s]://c@a.blob.core.windows.net` or `https://a.blob.core.windows.net/c`) as `wasbs://`
 * (AzureBlobArtifactRepository, with DefaultAzureCredential); `s3://` and `gs://` stay as they are. Which
 * endpoint is the platform's choice (providers/azure); this only follows the URL.
 */
export function artifactDestination(bucketUrl: string): string {
    const url = bucketUrl.replace(/\/$/, "");
    const https = /^https:\/\/([^./]+)\.blob\.core\.windows\.net\/([^/]+)$/.exec(url);
    const base = https
        ? `wasbs://${https[2]}@${https[1]}.blob.core.windows.net`
        : url.replace(/^abfs:\/\//, "abfss://").replace(/^wasb:\/\//, "wasbs://");
    return `${base}/${ARTIFACT_PREFIX}`;
}

/**
 * The tracking URI notebooks get: the sign-in proxy's Service with the hub's prefix (the proxy forwards
 * `<prefix>/api/…` to MLflow's root), so every API call carries the user's hub token.
 */
export function trackingUri(namespace: string): string {
    return `http://${SERVICE}.${namespace}.svc:${MLFLOW_PROXY_PORT}${MLFLOW_PREFIX}`;
}

/**
 * The user's own hub token as MLflow's client token (sent as `Authorization: Bearer`, mlflow/utils/rest_utils.py):
 * Kubernetes expands `$(JUPYTERHUB_API_TOKEN)` from the variable KubeSpawner sets in the same container (and
 * KubeSpawner 7 orders variables so references resolve: kubespawner/objects.py `make_pod`). In pods without it
 * (Dask, Spark) the reference stays unexpanded and MLflow refuses the call: log from the notebook.
 */
export const MLFLOW_TOKEN_ENV = { name: "MLFLOW_TRACKING_TOKEN", value: "$(JUPYTERHUB_API_TOKEN)" };

/**
 * MLflow's tracking server from the official `-full` image as a plain Deployment (the community chart
 * uses a third-party image and Bitnami subcharts): metadata in its own PostgreSQL database, artifacts in
 * the workbench bucket under its own ServiceAccount and identity (proxied, so notebooks need no bucket
 * rights for them), the UI behind the hub's sign-in.
 */
export const mlflow: CatalogService<"mlflow"> = {
    name: "mlflow",
    requires: ["postgres"],
    systemPods: (settings) => [
        {
            component: "MLflow (with its sign-in proxy)",
            cpuMillis: sizeWith(SERVER_SIZES.mlflow, settings).cpuMillis + OPERATOR_SIZES.hubAuthProxy.cpuMillis,
            memoryMiB: sizeWith(SERVER_SIZES.mlflow, settings).memoryMiB + OPERATOR_SIZES.hubAuthProxy.memoryMiB,
            pods: 1,
        },
    ],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-${SERVICE}`;
        const component = new DataService("MLflow", name, { parent });
        const postgres = context.deployed.get("postgres")?.database;
        if (!postgres) throw new Error("MLflow needs PostgreSQL deployed before it (the catalog's `requires`)");
        const database = postgres.database(SERVICE, component);
        const opts = childOptions(context, component);

        // its own account: the artifacts' identity is not the notebooks'
        const account: ServiceAccountRef = { namespace: context.namespace, name: SERVICE };
        // its own prefix only, where the cloud's IAM can say so (AWS, GCP)
        const identity = context.objectStore?.bindServiceAccount(account, { prefix: `${ARTIFACT_PREFIX}/` });
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            name,
            { metadata: { name: account.name, namespace: context.namespace, annotations: identity?.serviceAccountAnnotations ?? {} } },
            childOptions(context, component, identity?.readyWhen ?? []),
        );
        const readyWhen: pulumi.Resource[] = [serviceAccount, ...database.readyWhen];
        const env: k8s.types.input.core.v1.EnvVar[] = [
            { name: "MLFLOW_BACKEND_STORE_URI", valueFrom: { secretKeyRef: database.urlSecret } },
            ...Object.entries(identity?.env ?? {}).map(([envName, value]) => ({ name: envName, value })),
        ];
        const secretEnv = identity?.secretEnv ?? {};
        if (Object.keys(secretEnv).length > 0) {
            const secretName = `${SERVICE}-object-store`;
            readyWhen.push(credentialsSecret(`${name}-object-store`, secretName, context, component, secretEnv));
            env.push(...Object.keys(secretEnv).map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } })));
        }

        // the sign-in proxy's hub token, read by the hub (service registration) and the proxy
        const token = new random.RandomPassword(`${name}-hub-token`, { length: 64, special: false }, { parent: component });
        const tokenRef = { name: `${SERVICE}-hub-token`, key: "token" };
        const tokenSecret = credentialsSecret(`${name}-hub-token`, tokenRef.name, context, component, { [tokenRef.key]: token.result });
        const proxyScript = new k8s.core.v1.ConfigMap(
            `${name}-hub-auth`,
            { metadata: { name: `${SERVICE}-hub-auth`, namespace: context.namespace }, data: { "hub_auth_proxy.py": HUB_AUTH_PROXY } },
            opts,
        );

        const host = `${SERVICE}.${context.namespace}.svc`;
        let artifacts: pulumi.Input<string> = "/mlflow/artifacts";
        const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "hub-auth", configMap: { name: `${SERVICE}-hub-auth` } }];
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [];
        if (context.objectStore) {
            artifacts = context.objectStore.url.apply(artifactDestination);
        } else {
            const claim = new k8s.core.v1.PersistentVolumeClaim(
                `${name}-artifacts`,
                {
                    metadata: { name: `${SERVICE}-artifacts`, namespace: context.namespace },
                    spec: { accessModes: ["ReadWriteOnce"], storageClassName: context.retainedStorageClass, resources: { requests: { storage: `${ARTIFACT_VOLUME_GIB}Gi` } } },
                },
                // switching MLflow off (or a refactor) must not delete the artifacts' claim
                { ...opts, retainOnDelete: true },
            );
            readyWhen.push(claim);
            volumes.push({ name: "artifacts", persistentVolumeClaim: { claimName: `${SERVICE}-artifacts` } });
            mounts.push({ name: "artifacts", mountPath: "/mlflow/artifacts" });
            context.warn("MLflow keeps artifacts on a volume: this stack has no bucket.");
        }

        const labels = serviceLabels(SERVICE);
        const size = sizeWith(SERVER_SIZES.mlflow, settings);
        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: SERVICE, namespace: context.namespace, labels },
                spec: {
                    replicas: 1,
                    // one writer of the artifact volume at a time
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels: { ...labels, ...HUB_ACCESS_LABEL, ...(identity?.podLabels ?? {}) } },
                        spec: {
                            serviceAccountName: account.name,
                            nodeSelector: context.systemPlacement.nodeSelector,
                            tolerations: context.systemPlacement.tolerations,
                            securityContext: { fsGroup: 1000 },
                            containers: [
                                {
                                    name: SERVICE,
                                    image: SERVICE_IMAGES.mlflow,
                                    command: [
                                        "mlflow", "server",
                                        "--host", "0.0.0.0",
                                        "--port", String(MLFLOW_PORT),
                                        // one uvicorn worker: each imports the -full image's whole app (see MLFLOW_WORKERS)
                                        "--workers", String(MLFLOW_WORKERS),
                                        "--backend-store-uri", "$(MLFLOW_BACKEND_STORE_URI)",
                                        "--serve-artifacts",
                                        "--artifacts-destination", artifacts,
                                        "--static-prefix", MLFLOW_PREFIX,
                                        // MLflow refuses requests for other Host headers (403 "Invalid Host header")
                                        "--allowed-hosts", MLFLOW_ALLOWED_HOSTS.join(","),
                                    ],
                                    env,
                                    ports: [{ name: "http", containerPort: MLFLOW_PORT }],
                                    resources: containerResources(size),
                                    // with an allowed Host: the kubelet would send the pod's IP, and MLflow answers that 403
                                    readinessProbe: {
                                        httpGet: { path: `${MLFLOW_PREFIX}/health`, port: MLFLOW_PORT, httpHeaders: [{ name: "Host", value: MLFLOW_PROBE_HOST }] },
                                        periodSeconds: 10,
                                        initialDelaySeconds: 10,
                                        failureThreshold: 12,
                                    },
                                    volumeMounts: mounts,
                                },
                                {
                                    name: "hub-auth",
                                    image: SERVICE_IMAGES.hubAuthProxy,
                                    command: ["python3", "/workbench/hub_auth_proxy.py"],
                                    env: [
                                        { name: "JUPYTERHUB_API_TOKEN", valueFrom: { secretKeyRef: tokenRef } },
                                        { name: "JUPYTERHUB_API_URL", value: `http://hub.${context.namespace}:8081/hub/api` },
                                        { name: "JUPYTERHUB_BASE_URL", value: "/" },
                                        { name: "JUPYTERHUB_SERVICE_NAME", value: SERVICE },
                                        { name: "JUPYTERHUB_SERVICE_PREFIX", value: `${MLFLOW_PREFIX}/` },
                                        { name: "JUPYTERHUB_CLIENT_ID", value: `service-${SERVICE}` },
                                        { name: "JUPYTERHUB_OAUTH_CALLBACK_URL", value: `${MLFLOW_PREFIX}/oauth_callback` },
                                        { name: "JUPYTERHUB_OAUTH_ACCESS_SCOPES", value: JSON.stringify([`access:services!service=${SERVICE}`]) },
                                    ],
                                    ports: [{ name: "hub-auth", containerPort: MLFLOW_PROXY_PORT }],
                                    resources: containerResources(OPERATOR_SIZES.hubAuthProxy),
                                    readinessProbe: { tcpSocket: { port: MLFLOW_PROXY_PORT }, periodSeconds: 10 },
                                    volumeMounts: [{ name: "hub-auth", mountPath: "/workbench", readOnly: true }],
                                },
                            ],
                            volumes,
                        },
                    },
                },
            },
            childOptions(context, component, [...readyWhen, tokenSecret, proxyScript]),
        );
        new k8s.core.v1.Service(
            name,
            {
                metadata: { name: SERVICE, namespace: context.namespace, labels },
                spec: {
                    selector: labels,
                    // the sign-in proxy only: MLflow's own port is for the proxy beside it
                    ports: [{ name: "hub-auth", port: MLFLOW_PROXY_PORT, targetPort: "hub-auth" }],
                },
            },
            opts,
        );
        // the sign-in proxy's port to user code, the hub's proxy and the hub; MLflow's own port to no pod
        ingressPolicy(name, context, component, labels, [MLFLOW_PROXY_PORT], [
            { from: [platformPods(HUB_PROXY_POD_LABELS), platformPods(HUB_POD_LABELS)], ports: [MLFLOW_PROXY_PORT] },
        ]);
        // its database, the hub's API (token checks), the bucket through its identity
        egressPolicy(name, context, component, labels, [
            toPlatformPods(database.podLabels, [database.port]),
            toPlatformPods(HUB_POD_LABELS, [HUB_API_PORT]),
            ...bucketEgress(context, identity),
        ]);
        component.done();

        return {
            connection: {
                name: SERVICE,
                // through the sign-in proxy, as the signed-in user
                env: [{ name: "MLFLOW_TRACKING_URI", value: trackingUri(context.namespace) }],
                // only notebooks hold a hub token; Dask and Spark pods cannot sign in to MLflow (docs/services.md)
                notebookEnv: [MLFLOW_TOKEN_ENV],
                egress: [{ to: [podsIn(context.namespace, labels)], ports: [{ port: MLFLOW_PROXY_PORT, protocol: "TCP" }] }],
                hubService: { url: `http://${host}:${MLFLOW_PROXY_PORT}`, token: tokenRef, userScopes: [`access:services!service=${SERVICE}`] },
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.mlflow],
                notebookExample: {
                    title: "MLflow",
                    code: `import mlflow  # reads MLFLOW_TRACKING_URI\nwith mlflow.start_run():\n    mlflow.log_metric("accuracy", 0.9)`,
                },
            },
            readyWhen: [tokenSecret],
        };
    },
};
