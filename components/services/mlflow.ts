import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ServiceAccountRef } from "../../providers/contract";
import { containerResources, OPERATOR_SIZES, SERVER_SIZES, sizeWith } from "../capacity/requests";
import { egressToPods } from "../service-connection";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { childOptions, credentialsSecret, DataService, ingressPolicy, serviceLabels } from "./common";

const SERVICE = "mlflow";
/** MLflow's own port (the tracking API; notebooks use it directly). */
export const MLFLOW_PORT = 5000;
/** The sign-in proxy's port, which the hub's proxy forwards `/services/mlflow/` to. */
export const MLFLOW_PROXY_PORT = 8000;
/** Where the hub serves the UI; MLflow serves its UI (static files, ajax-api, health) under it, so both paths agree. */
export const MLFLOW_PREFIX = `/services/${SERVICE}`;
/** The label z2jh's hub NetworkPolicy admits API callers by. */
const HUB_ACCESS_LABEL = { "hub.jupyter.org/network-access-hub": "true" };
/** Artifacts without a bucket: a volume on the retained class. */
const ARTIFACT_VOLUME_GIB = 10;

/**
 * The UI's sign-in: a small proxy with JupyterHub's own service-auth library (from the hub image) that lets
 * only users signed in to the hub, holding access to this service, through to MLflow on localhost.
 */
export const HUB_AUTH_PROXY = `import os
from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import httpclient, ioloop, web

PREFIX = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
UPSTREAM = "http://127.0.0.1:${MLFLOW_PORT}"
DROP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length", "cookie", "authorization"}


class Proxy(HubOAuthenticated, web.RequestHandler):
    @web.authenticated
    async def forward(self, *args):
        method = self.request.method
        request = httpclient.HTTPRequest(
            UPSTREAM + self.request.uri,
            method=method,
            headers={k: v for k, v in self.request.headers.get_all() if k.lower() not in DROP},
            body=self.request.body if method in ("POST", "PUT", "PATCH") else None,
            allow_nonstandard_methods=True,
            follow_redirects=False,
            request_timeout=300,
        )
        response = await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        self.set_status(response.code, response.reason)
        for k, v in response.headers.get_all():
            if k.lower() not in DROP:
                self.add_header(k, v)
        if response.body:
            self.write(response.body)

    get = post = put = patch = delete = forward


web.Application(
    [(url_path_join(PREFIX, "oauth_callback"), HubOAuthCallbackHandler), (PREFIX + ".*", Proxy)],
    cookie_secret=os.urandom(32),
).listen(${MLFLOW_PROXY_PORT})
ioloop.IOLoop.current().start()
`;

/** Where in the bucket MLflow keeps artifacts; its identity reaches only this prefix where the cloud allows. */
export const ARTIFACT_PREFIX = "mlflow";

/**
 * `--artifacts-destination` for the bucket's URL: an ADLS `abfs://` URL (Azure's) becomes its TLS form `abfss://`
 * (MLflow's Azure Data Lake repository takes only that); `s3://` and `gs://` stay as they are.
 */
export function artifactDestination(bucketUrl: string): string {
    return `${bucketUrl.replace(/^abfs:\/\//, "abfss://").replace(/\/$/, "")}/${ARTIFACT_PREFIX}`;
}

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
        const allowedHosts = [`${host}:${MLFLOW_PORT}`, host, `${SERVICE}:${MLFLOW_PORT}`, `127.0.0.1:${MLFLOW_PORT}`, `localhost:${MLFLOW_PORT}`];
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
                opts,
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
                                        "--workers", "2",
                                        "--backend-store-uri", "$(MLFLOW_BACKEND_STORE_URI)",
                                        "--serve-artifacts",
                                        "--artifacts-destination", artifacts,
                                        "--static-prefix", MLFLOW_PREFIX,
                                        // MLflow refuses requests for other Host headers (403 "Invalid Host header")
                                        "--allowed-hosts", allowedHosts.join(","),
                                    ],
                                    env,
                                    ports: [{ name: "http", containerPort: MLFLOW_PORT }],
                                    resources: containerResources(size),
                                    readinessProbe: { httpGet: { path: `${MLFLOW_PREFIX}/health`, port: MLFLOW_PORT }, periodSeconds: 10, initialDelaySeconds: 10, failureThreshold: 12 },
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
                    ports: [
                        { name: "http", port: MLFLOW_PORT, targetPort: "http" },
                        { name: "hub-auth", port: MLFLOW_PROXY_PORT, targetPort: "hub-auth" },
                    ],
                },
            },
            opts,
        );
        ingressPolicy(name, context, component, labels, [MLFLOW_PORT, MLFLOW_PROXY_PORT]);
        component.done();

        return {
            connection: {
                name: SERVICE,
                // the REST API (/api/2.0/…) stays at the root; only the UI and its ajax-api move under --static-prefix
                env: [{ name: "MLFLOW_TRACKING_URI", value: `http://${host}:${MLFLOW_PORT}` }],
                egress: [egressToPods(labels, [MLFLOW_PORT])],
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
