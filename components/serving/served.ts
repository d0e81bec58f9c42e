import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { GpuPool, NodePool } from "../../providers/contract";
import type { WorkbenchConfig } from "../../stacks/schema";
import { containerResources, OPERATOR_SIZES, ServerSize } from "../capacity/requests";
import { NotebookImages } from "../hub/images";
import { USER_CODE_LABELS } from "../labels";
import type { ServiceConnection } from "../service-connection";
import { HUB_POD_LABELS, HUB_PROXY_POD_LABELS, MLFLOW_PROXY_PORT, trackingUri } from "../services/mlflow";
import { serviceLabels } from "../services/common";

/** MLflow's pods (components/services/mlflow.ts labels them so). */
const MLFLOW_POD_LABELS = serviceLabels("mlflow");
import { RESTRICTED_CONTAINER, RESTRICTED_POD } from "../services/workflows";
import { SERVICE_IMAGES } from "../versions";
import { SERVED_PORT, SERVED_PROXY, SERVED_PROXY_PORT } from "./proxy";
import { maxReplicas, SERVED_SIZES } from "./sizes";

/*
 * Served models and apps (`workbench:models`, `workbench:apps`): each a Deployment in the user-code namespace
 * (a model's or an app's code is users' code) with at least two replicas spread across nodes, a
 * PodDisruptionBudget, readiness, requests, scale-out on CPU up to what the pool's maximum holds, an in-cluster
 * Service, and the hub's sign-in in front unless the app is public.
 */

/** What the Workbench hands the serving layer. */
export interface ServingInput {
    /** The workbench's name: prefix of logical names. */
    workbench: string;
    /** The platform namespace (the hub, MLflow, the tokens the hub reads). */
    namespace: string;
    /** Where served pods run (user code). */
    userNamespace: string;
    models: WorkbenchConfig["models"];
    apps: WorkbenchConfig["apps"];
    images: NotebookImages;
    userPool: NodePool;
    /** The platform's on-demand serving pool (`workbench:servingPool`): CPU replicas run there when it exists. */
    servingPool?: NodePool;
    gpuPools: readonly GpuPool[];
    /** The account apps run as (the workload account: a bucket-prefix source reads the bucket with it). */
    workloadServiceAccount: string;
    /** Labels workload identity needs on the apps' pods. */
    workloadPodLabels: Record<string, string>;
    /** The workload account's environment (bucket URL, identity). */
    workloadEnv: k8s.types.input.core.v1.EnvVar[];
    provider: k8s.Provider;
    dependsOn: pulumi.Resource[];
}

/** What the serving layer returns: hub registrations and the URL path of each. */
export interface Served {
    /** Hub registrations (the hub proxies `/services/<name>/`), one per model or app. */
    connections: ServiceConnection[];
    /** The URL path under the hub of each, by name. */
    paths: Record<string, string>;
}

/** Labels of one served workload's pods. */
export function servedLabels(kind: "model" | "app", name: string): Record<string, string> {
    return { "app.kubernetes.io/name": `${kind}-${name}`, "app.kubernetes.io/part-of": "workbench", "workbench.io/served": kind };
}

/** The hub's prefix for a served model or app. */
export const servedPrefix = (name: string) => `/services/${name}/`;

/** One served workload, as the builder needs it. */
interface Workload {
    kind: "model" | "app";
    name: string;
    replicas: number;
    size: ServerSize;
    pool: NodePool | GpuPool;
    gpu?: GpuPool;
    image: string;
    command: string[];
    env: k8s.types.input.core.v1.EnvVar[];
    initContainers: k8s.types.input.core.v1.Container[];
    readiness: k8s.types.input.core.v1.Probe;
    serviceAccountName?: string;
    extraLabels: Record<string, string>;
    /** Behind the hub's sign-in (a proxy sidecar); false: the hub forwards straight to the server. */
    signIn: boolean;
    /** The model server serves at its root; an app is told its base path. */
    stripPrefix: boolean;
}

/** The shell an app's init container runs to fetch its source at the pinned ref into /app. */
export function fetchSourceScript(source: WorkbenchConfig["apps"][number]["source"]): string {
    if ("git" in source) {
        return /^[0-9a-f]{40}$/.test(source.ref)
            ? `set -eu; cd /app; git init -q .; git remote add origin '${source.git}'; git fetch -q --depth 1 origin ${source.ref}; git checkout -q FETCH_HEAD`
            : `set -eu; git clone -q --depth 1 --branch '${source.ref}' '${source.git}' /app`;
    }
    // fsspec and the bucket's driver (s3fs, gcsfs, adlfs) are in the notebook images; the pod's identity reads
    return `set -eu; python -c "import fsspec, os; url = os.environ['WORKBENCH_BUCKET_URL'].rstrip('/') + '/${source.bucketPrefix}'; fs, path = fsspec.core.url_to_fs(url); fs.get(path, '/app/', recursive=True)"`;
}

/** The serving layer's input from what the Workbench has: its config, the workload and the serving pool (one line there). */
export function servingInput(
    workbench: string,
    userNamespace: string,
    config: Pick<WorkbenchConfig, "models" | "apps">,
    workload: { images: NotebookImages; serviceAccountName: string; podLabels: Record<string, string>; env: k8s.types.input.core.v1.EnvVar[]; userPool: NodePool; gpuPools: readonly GpuPool[] },
    provider: k8s.Provider,
    dependsOn: pulumi.Resource[],
    servingPool?: NodePool,
): ServingInput {
    return {
        workbench,
        namespace: workbench,
        userNamespace,
        models: config.models,
        apps: config.apps,
        images: workload.images,
        userPool: workload.userPool,
        ...(servingPool ? { servingPool } : {}),
        gpuPools: workload.gpuPools,
        workloadServiceAccount: workload.serviceAccountName,
        workloadPodLabels: workload.podLabels,
        workloadEnv: workload.env,
        provider,
        dependsOn,
    };
}

/** The stack output: each served model's and app's URL under the hub, and its in-cluster address. */
export function servedOutputs(input: Pick<ServingInput, "models" | "apps" | "userNamespace">, hubUrl: pulumi.Output<string>): pulumi.Output<Record<string, { url: string; inCluster: string; signIn: boolean }>> {
    const entries = [
        ...input.models.map((m) => ({ kind: "model" as const, name: m.name, signIn: m.signIn })),
        ...input.apps.map((a) => ({ kind: "app" as const, name: a.name, signIn: !a.public })),
    ];
    return hubUrl.apply((url) =>
        Object.fromEntries(entries.map((e) => [e.name, { url: `${url.replace(/\/$/, "")}${servedPrefix(e.name)}`, inCluster: inClusterUrl(e.kind, e.name, input.userNamespace), signIn: e.signIn }])),
    );
}

/** Deploys every configured model and app. */
export function deployServing(input: ServingInput, parent: pulumi.Resource): Served {
    const connections: ServiceConnection[] = [];
    const paths: Record<string, string> = {};
    const gpuPool = input.gpuPools[0];
    // CPU replicas: on the on-demand serving pool when the stack has one, else beside the notebooks
    const cpuPool = input.servingPool ?? input.userPool;
    for (const model of input.models) {
        const size = SERVED_SIZES[model.size];
        const workload: Workload = {
            kind: "model",
            name: model.name,
            replicas: model.replicas,
            size,
            pool: model.gpu && gpuPool ? gpuPool : cpuPool,
            gpu: model.gpu ? gpuPool : undefined,
            image: SERVICE_IMAGES.mlflow,
            // the image's own environment: the model's requirements must be in it (docs/serving.md)
            command: ["mlflow", "models", "serve", "-m", model.model, "-h", "0.0.0.0", "-p", String(SERVED_PORT), "--env-manager", "local"],
            env: [
                // the registry through MLflow's sign-in proxy, as this model's hub service
                { name: "MLFLOW_TRACKING_URI", value: trackingUri(input.namespace) },
                { name: "MLFLOW_TRACKING_TOKEN", valueFrom: { secretKeyRef: { name: `serve-${model.name}-hub-token`, key: "token" } } },
            ],
            initContainers: [],
            // mlflow/pyfunc/scoring_server: /ping answers 200 once the model is loaded
            readiness: { httpGet: { path: "/ping", port: SERVED_PORT }, periodSeconds: 10, initialDelaySeconds: 10, failureThreshold: 30 },
            extraLabels: {},
            signIn: model.signIn,
            stripPrefix: true,
        };
        const connection = deployWorkload(input, workload, parent, [`access:services!service=mlflow`]);
        connections.push(connection);
        paths[model.name] = servedPrefix(model.name);
    }
    for (const app of input.apps) {
        const image = app.image === "gpuNotebook" ? input.images.gpu : app.image === "sparkNotebook" ? input.images.spark : input.images.cpu;
        const workload: Workload = {
            kind: "app",
            name: app.name,
            replicas: app.replicas,
            size: SERVED_SIZES[app.size],
            pool: cpuPool,
            image,
            command: app.command,
            env: [...input.workloadEnv, { name: "PORT", value: String(SERVED_PORT) }, { name: "WORKBENCH_BASE_PATH", value: servedPrefix(app.name) }],
            initContainers: [
                {
                    name: "fetch-source",
                    image,
                    command: ["sh", "-c", fetchSourceScript(app.source)],
                    env: input.workloadEnv,
                    securityContext: RESTRICTED_CONTAINER,
                    resources: containerResources({ cpuMillis: 100, memoryMiB: 256 }),
                    volumeMounts: [{ name: "app", mountPath: "/app" }],
                },
            ],
            readiness: { tcpSocket: { port: SERVED_PORT }, periodSeconds: 10, initialDelaySeconds: 5, failureThreshold: 30 },
            serviceAccountName: input.workloadServiceAccount,
            extraLabels: input.workloadPodLabels,
            signIn: !app.public,
            stripPrefix: false,
        };
        connections.push(deployWorkload(input, workload, parent, []));
        paths[app.name] = servedPrefix(app.name);
    }
    return { connections, paths };
}

/** The hub token a served workload's proxy (and a model's registry client) uses, in both namespaces that read it. */
function hubToken(input: ServingInput, workload: Workload, parent: pulumi.Resource): { ref: { name: string; key: string }; secrets: k8s.core.v1.Secret[] } {
    const id = `${input.workbench}-serve-${workload.name}`;
    const token = new random.RandomPassword(`${id}-hub-token`, { length: 64, special: false }, { parent });
    const ref = { name: `serve-${workload.name}-hub-token`, key: "token" };
    const secrets = [input.namespace, input.userNamespace]
        .filter((ns, i, all) => all.indexOf(ns) === i)
        .map(
            (namespace) =>
                new k8s.core.v1.Secret(
                    `${id}-hub-token-${namespace === input.namespace ? "hub" : "pod"}`,
                    { metadata: { name: ref.name, namespace }, stringData: { [ref.key]: pulumi.secret(token.result) } },
                    { parent, provider: input.provider, dependsOn: input.dependsOn },
                ),
        );
    return { ref, secrets };
}

function deployWorkload(input: ServingInput, workload: Workload, parent: pulumi.Resource, serviceScopes: string[]): ServiceConnection {
    const id = `${input.workbench}-serve-${workload.name}`;
    const objectName = `${workload.kind}-${workload.name}`;
    const labels = servedLabels(workload.kind, workload.name);
    const opts = { parent, provider: input.provider, dependsOn: input.dependsOn };
    // every served workload is a hub service (the hub routes /services/<name>/ to it); its token is the proxy's
    const token = hubToken(input, workload, parent);
    const prefix = servedPrefix(workload.name);
    const resources = containerResources(workload.size);
    if (workload.gpu) {
        (resources.limits as Record<string, string>)[workload.gpu.resourceName] = "1";
        (resources.requests as Record<string, string>)[workload.gpu.resourceName] = "1";
    }
    const containers: k8s.types.input.core.v1.Container[] = [
        {
            name: workload.kind,
            image: workload.image,
            command: workload.command,
            workingDir: workload.kind === "app" ? "/app" : undefined,
            env: workload.env,
            ports: [{ name: "http", containerPort: SERVED_PORT }],
            resources,
            readinessProbe: workload.readiness,
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [{ name: "app", mountPath: "/app" }, { name: "tmp", mountPath: "/tmp" }],
        },
    ];
    const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "app", emptyDir: {} }, { name: "tmp", emptyDir: {} }];
    let proxyScript: k8s.core.v1.ConfigMap | undefined;
    if (workload.signIn) {
        proxyScript = new k8s.core.v1.ConfigMap(`${id}-hub-auth`, { metadata: { name: `${objectName}-hub-auth`, namespace: input.userNamespace }, data: { "served_proxy.py": SERVED_PROXY } }, opts);
        volumes.push({ name: "hub-auth", configMap: { name: `${objectName}-hub-auth` } });
        containers.push({
            name: "hub-auth",
            image: SERVICE_IMAGES.hubAuthProxy,
            command: ["python3", "/workbench/served_proxy.py"],
            env: [
                { name: "JUPYTERHUB_API_TOKEN", valueFrom: { secretKeyRef: token.ref } },
                { name: "JUPYTERHUB_API_URL", value: `http://hub.${input.namespace}:8081/hub/api` },
                { name: "JUPYTERHUB_BASE_URL", value: "/" },
                { name: "JUPYTERHUB_SERVICE_NAME", value: workload.name },
                { name: "JUPYTERHUB_SERVICE_PREFIX", value: prefix },
                { name: "JUPYTERHUB_CLIENT_ID", value: `service-${workload.name}` },
                { name: "JUPYTERHUB_OAUTH_CALLBACK_URL", value: `${prefix}oauth_callback` },
                { name: "JUPYTERHUB_OAUTH_ACCESS_SCOPES", value: JSON.stringify([`access:services!service=${workload.name}`]) },
                { name: "WORKBENCH_STRIP_PREFIX", value: String(workload.stripPrefix) },
            ],
            ports: [{ name: "hub-auth", containerPort: SERVED_PROXY_PORT }],
            resources: containerResources(OPERATOR_SIZES.hubAuthProxy),
            securityContext: RESTRICTED_CONTAINER,
            readinessProbe: { tcpSocket: { port: SERVED_PROXY_PORT }, periodSeconds: 10 },
            volumeMounts: [{ name: "hub-auth", mountPath: "/workbench", readOnly: true }],
        });
    }
    const placement = workload.pool.placement;
    const deployment = new k8s.apps.v1.Deployment(
        id,
        {
            metadata: { name: objectName, namespace: input.userNamespace, labels },
            spec: {
                replicas: workload.replicas,
                selector: { matchLabels: labels },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels: { ...labels, ...USER_CODE_LABELS, ...workload.extraLabels } },
                    spec: {
                        ...(workload.serviceAccountName ? { serviceAccountName: workload.serviceAccountName } : {}),
                        // neither a model server nor an app calls the Kubernetes API
                        automountServiceAccountToken: false,
                        securityContext: RESTRICTED_POD,
                        nodeSelector: placement.nodeSelector,
                        tolerations: placement.tolerations,
                        // one replica per node: a node's loss (or a spot reclaim) leaves the others serving
                        topologySpreadConstraints: [
                            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
                            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
                        ],
                        initContainers: workload.initContainers,
                        containers,
                        volumes,
                    },
                },
            },
        },
        { ...opts, dependsOn: [...input.dependsOn, ...token.secrets, ...(proxyScript ? [proxyScript] : [])] },
    );
    new k8s.policy.v1.PodDisruptionBudget(id, { metadata: { name: objectName, namespace: input.userNamespace }, spec: { minAvailable: 1, selector: { matchLabels: labels } } }, opts);
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        id,
        {
            metadata: { name: objectName, namespace: input.userNamespace },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: objectName },
                minReplicas: workload.replicas,
                maxReplicas: maxReplicas(workload.pool, workload.size, workload.replicas),
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
            },
        },
        { ...opts, dependsOn: [...input.dependsOn, deployment] },
    );
    const ports = [{ name: "http", port: SERVED_PORT, targetPort: "http" }, ...(workload.signIn ? [{ name: "hub-auth", port: SERVED_PROXY_PORT, targetPort: "hub-auth" }] : [])];
    new k8s.core.v1.Service(id, { metadata: { name: objectName, namespace: input.userNamespace, labels }, spec: { selector: labels, ports } }, opts);
    // in-cluster: user code on the server's port; the hub's proxy on the sign-in port (or, public, the server's)
    const hubPort = workload.signIn ? SERVED_PROXY_PORT : SERVED_PORT;
    const platform = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": input.namespace } } };
    new k8s.networking.v1.NetworkPolicy(
        `${id}-ingress`,
        {
            metadata: { name: `${objectName}-ingress`, namespace: input.userNamespace },
            spec: {
                podSelector: { matchLabels: labels },
                policyTypes: ["Ingress"],
                ingress: [
                    { from: [{ podSelector: { matchLabels: { ...USER_CODE_LABELS } } }], ports: [{ port: SERVED_PORT, protocol: "TCP" }] },
                    { from: [{ ...platform, podSelector: { matchLabels: { ...HUB_PROXY_POD_LABELS } } }, { ...platform, podSelector: { matchLabels: { ...HUB_POD_LABELS } } }], ports: [{ port: hubPort, protocol: "TCP" }] },
                ],
            },
        },
        opts,
    );
    // its sign-in proxy checks tokens at the hub's API; a model reads MLflow's registry through MLflow's sign-in
    // (additive to the user-code fence, which may not open the platform namespace once user code moves out of it)
    new k8s.networking.v1.NetworkPolicy(
        `${id}-egress`,
        {
            metadata: { name: `${objectName}-egress`, namespace: input.userNamespace },
            spec: {
                podSelector: { matchLabels: labels },
                policyTypes: ["Egress"],
                egress: [
                    { to: [{ ...platform, podSelector: { matchLabels: { ...HUB_POD_LABELS } } }], ports: [{ port: 8081, protocol: "TCP" }] },
                    ...(workload.kind === "model" ? [{ to: [{ ...platform, podSelector: { matchLabels: { ...MLFLOW_POD_LABELS } } }], ports: [{ port: MLFLOW_PROXY_PORT, protocol: "TCP" }] }] : []),
                ],
            },
        },
        opts,
    );
    const host = `${objectName}.${input.userNamespace}.svc`;
    return {
        name: workload.name,
        env: [],
        egress: [],
        hubService: { url: `http://${host}:${hubPort}`, token: token.ref, userScopes: workload.signIn ? [`access:services!service=${workload.name}`] : [], serviceScopes },
    };
}

/** The in-cluster URL of a served model's or app's server. */
export function inClusterUrl(kind: "model" | "app", name: string, userNamespace: string): string {
    return `http://${kind}-${name}.${userNamespace}.svc:${SERVED_PORT}`;
}
