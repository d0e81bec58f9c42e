import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { GpuPool, NodePool, ServiceAccountRef, WorkloadIdentity } from "../../providers/contract";
import { chartRelease } from "../helm/release";
import { API_CLIENT_LABELS, TOKEN_NEEDED_ANNOTATION, USER_CODE_LABELS } from "../labels";
import { containerResources, OPERATOR_SIZES, ServerSize } from "../capacity/requests";
import { SERVICE_CHARTS, SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { apiServerEgress, childOptions, credentialsSecret, DataService, egressPolicy, ingressPolicy, platformPods, podsIn, toPlatformPods } from "./common";
import { HUB_POD_LABELS, HUB_PROXY_POD_LABELS } from "./mlflow";
import { workflowAdmission, workflowKeysSecret } from "./workflows-admission";
import { WORKFLOWS_PREFIX, WORKFLOWS_PROXY, WORKFLOWS_PROXY_PORT } from "./workflows-proxy";

const SERVICE = "workflows";
/** Helm release name; it contains the chart's name, so the chart's objects are `argo-workflows-<part>`. */
export const ARGO_RELEASE = "argo-workflows";
/** The server's pod labels (the chart's `argo-workflows.selectorLabels` for `server.name: server`). */
export const ARGO_SERVER_POD_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": `${ARGO_RELEASE}-server`, "app.kubernetes.io/instance": ARGO_RELEASE };
/** The controller's pod labels. */
export const ARGO_CONTROLLER_POD_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": `${ARGO_RELEASE}-workflow-controller`, "app.kubernetes.io/instance": ARGO_RELEASE };
/** The controller's ServiceAccount (the chart's `controllerServiceAccountName`: `<fullname>-workflow-controller`). */
export const ARGO_CONTROLLER_ACCOUNT = `${ARGO_RELEASE}-workflow-controller`;
/** The ServiceAccount every workflow pod runs as, in the user namespace; its bucket identity reaches {@link WORKFLOWS_BUCKET_PREFIX}. */
export const WORKFLOW_ACCOUNT = "workflow";
/** The part of the bucket workflows read and write (artifacts, outputs). */
export const WORKFLOWS_BUCKET_PREFIX = "workflows/";
/** The hub's API port, where the sign-in proxy checks users' tokens. */
const HUB_API_PORT = 8081;

/** Requests of Argo's pods on the system pool (the chart leaves `resources: {}`). */
export const ARGO_SIZES = {
    controller: { cpuMillis: 100, memoryMiB: 256 },
    server: { cpuMillis: 50, memoryMiB: 128 },
} as const satisfies Record<string, ServerSize>;

/** What Pod Security `restricted` requires of every container (init containers too). */
export const RESTRICTED_CONTAINER: { runAsNonRoot: true; allowPrivilegeEscalation: false; capabilities: { drop: string[] }; seccompProfile: { type: string } } = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** The pod-level part of `restricted`: non-root (the notebook images' user) and the runtime's seccomp profile. */
export const RESTRICTED_POD: { runAsNonRoot: true; runAsUser: number; runAsGroup: number; fsGroup: number; seccompProfile: { type: string } } = {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 100,
    fsGroup: 100,
    seccompProfile: { type: "RuntimeDefault" },
};

/**
 * The artifact repository for a bucket URL, keyless: S3 with the SDK's credential chain (IRSA or Pod Identity),
 * GCS with Workload Identity (no key Secret), Azure Blob with the SDK's chain (Workload Identity). Keys start with
 * {@link WORKFLOWS_BUCKET_PREFIX}, the only prefix the workflow identity reaches. Undefined for a URL no keyless
 * repository fits. Field names: the Workflow CRD's `artifactRepository` types at the pinned version (s3/gcs/azure).
 */
export function artifactRepository(bucketUrl: string, env: Record<string, string>): Record<string, unknown> | undefined {
    const keys = `${WORKFLOWS_BUCKET_PREFIX}{{workflow.name}}/{{pod.name}}`;
    const s3 = /^s3:\/\/([^/]+)\/?$/.exec(bucketUrl);
    if (s3) {
        const endpoint = env["AWS_ENDPOINT_URL_S3"]?.replace(/^https?:\/\//, "");
        return {
            archiveLogs: true,
            s3: {
                bucket: s3[1],
                endpoint: endpoint ?? "s3.amazonaws.com",
                ...(env["AWS_REGION"] ? { region: env["AWS_REGION"] } : {}),
                ...(env["AWS_ENDPOINT_URL_S3"]?.startsWith("http://") ? { insecure: true } : {}),
                useSDKCreds: true,
                keyFormat: keys,
            },
        };
    }
    const gcs = /^gs:\/\/([^/]+)\/?$/.exec(bucketUrl);
    if (gcs) return { archiveLogs: true, gcs: { bucket: gcs[1], keyFormat: keys } };
    const azure = /^abfss?:\/\/([^@]+)@([^.]+)\.dfs\.core\.windows\.net\/?$/.exec(bucketUrl);
    if (azure) return { archiveLogs: true, azure: { endpoint: `https://${azure[2]}.blob.core.windows.net`, container: azure[1], useSDKCreds: true, blobNameFormat: keys } };
    return undefined;
}

/**
 * Where workflow pods go: the user pool by default; GPU pools are tolerated and allowed, so a step that asks for
 * `nvidia.com/gpu` lands on one (the autoscaler starts the pool whose nodes offer it). A CPU step prefers the user
 * pool, but may use a GPU node that is already up.
 */
export function workflowPlacement(userPool: NodePool, gpuPools: readonly GpuPool[]): { tolerations: k8s.types.input.core.v1.Toleration[]; affinity: k8s.types.input.core.v1.Affinity } {
    const term = (selector: Record<string, string>) => ({ matchExpressions: Object.entries(selector).map(([key, value]) => ({ key, operator: "In", values: [value] })) });
    return {
        tolerations: [...userPool.placement.tolerations, ...gpuPools.flatMap((pool) => pool.placement.tolerations)],
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [userPool.placement.nodeSelector, ...gpuPools.map((pool) => pool.placement.nodeSelector)].filter((s) => Object.keys(s).length > 0).map(term),
                },
                preferredDuringSchedulingIgnoredDuringExecution:
                    Object.keys(userPool.placement.nodeSelector).length > 0 ? [{ weight: 100, preference: term(userPool.placement.nodeSelector) }] : [],
            },
        },
    };
}

/**
 * Pipelines: Argo Workflows' controller and server in the platform namespace (system pool), workflows in the
 * user-code namespace as {@link WORKFLOW_ACCOUNT} with its own bucket identity (its prefix), held by Argo's
 * defaults and by an admission policy; the server's API and UI behind the hub's sign-in.
 */
export const workflows: CatalogService<"workflows"> = {
    name: "workflows",
    requires: [],
    systemPods: () => [
        { component: "Argo Workflows controller", ...ARGO_SIZES.controller, pods: 1 },
        {
            component: "Argo Workflows server (with its sign-in proxy)",
            cpuMillis: ARGO_SIZES.server.cpuMillis + OPERATOR_SIZES.hubAuthProxy.cpuMillis,
            memoryMiB: ARGO_SIZES.server.memoryMiB + OPERATOR_SIZES.hubAuthProxy.memoryMiB,
            pods: 1,
        },
    ],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-${SERVICE}`;
        const component = new DataService("Workflows", name, { parent });
        const opts = childOptions(context, component);

        // the workflows' own account and identity: their prefix of the bucket, not the notebooks' reach
        const account: ServiceAccountRef = { namespace: context.userNamespace, name: WORKFLOW_ACCOUNT };
        const identity: WorkloadIdentity | undefined = context.objectStore?.bindServiceAccount(account, { prefix: WORKFLOWS_BUCKET_PREFIX });
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-account`,
            {
                metadata: {
                    name: WORKFLOW_ACCOUNT,
                    namespace: context.userNamespace,
                    // the token is declared (policy/tenancy.ts) and the pods are held by workflows-admission.ts
                    annotations: { ...(identity?.serviceAccountAnnotations ?? {}), [TOKEN_NEEDED_ANNOTATION]: "Argo's executor reports each step's result as a WorkflowTaskResult" },
                    labels: { ...USER_CODE_LABELS },
                },
                // Argo's executor (the wait container) reports results as WorkflowTaskResults: the one API right it has
                automountServiceAccountToken: true,
            },
            childOptions(context, component, identity?.readyWhen ?? []),
        );
        const readyWhen: pulumi.Resource[] = [serviceAccount];
        const podEnv: k8s.types.input.core.v1.EnvVar[] = Object.entries(identity?.env ?? {}).map(([envName, value]) => ({ name: envName, value }));
        const secretEnv = identity?.secretEnv ?? {};
        if (Object.keys(secretEnv).length > 0) {
            const secretName = workflowKeysSecret(WORKFLOW_ACCOUNT);
            const userContext = { ...context, namespace: context.userNamespace };
            readyWhen.push(credentialsSecret(`${name}-object-store`, secretName, userContext, component, secretEnv));
            podEnv.push(...Object.keys(secretEnv).map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName, key } } })));
        }
        if (context.objectStore) podEnv.push({ name: "WORKBENCH_BUCKET_URL", value: context.objectStore.url });

        // the bucket as every workflow's artifact repository (Argo reads `artifact-repositories` in the workflow's namespace)
        if (context.objectStore && Object.keys(secretEnv).length === 0) {
            const env = pulumi.output(identity?.env ?? {}) as pulumi.Output<Record<string, string>>;
            const repository = pulumi.all([context.objectStore.url, env]).apply(([url, values]) => {
                const repo = artifactRepository(url, values);
                return repo ? JSON.stringify(repo) : undefined;
            });
            new k8s.core.v1.ConfigMap(
                `${name}-artifacts`,
                {
                    metadata: {
                        name: "artifact-repositories",
                        namespace: context.userNamespace,
                        annotations: { "workflows.argoproj.io/default-artifact-repository": "bucket" },
                    },
                    data: repository.apply((text): Record<string, string> => (text ? { bucket: text } : {})),
                },
                opts,
            );
        } else {
            context.warn(
                context.objectStore
                    ? "Workflows have no artifact repository: this stack's bucket is reached with keys, and workflow pods mount no Secret. Steps write to the bucket themselves (WORKBENCH_BUCKET_URL)."
                    : "Workflows have no artifact repository: this stack has no bucket.",
            );
        }

        // the sign-in proxy's hub token
        const token = new random.RandomPassword(`${name}-hub-token`, { length: 64, special: false }, { parent: component });
        const tokenRef = { name: `${SERVICE}-hub-token`, key: "token" };
        const tokenSecret = credentialsSecret(`${name}-hub-token`, tokenRef.name, context, component, { [tokenRef.key]: token.result });
        const proxyScript = new k8s.core.v1.ConfigMap(
            `${name}-hub-auth`,
            { metadata: { name: `${SERVICE}-hub-auth`, namespace: context.namespace }, data: { "workflows_proxy.py": WORKFLOWS_PROXY } },
            opts,
        );

        const placement = workflowPlacement(context.userPool, context.gpuPools);
        const keepSeconds = settings.keepFinishedHours * 3600;
        const values = {
            fullnameOverride: ARGO_RELEASE,
            images: { tag: SERVICE_IMAGES.argoWorkflowsTag },
            crds: { install: true, keep: true, full: true },
            singleNamespace: false,
            workflow: {
                // the account is ours (with its identity); the chart binds it to the executor's one right
                serviceAccount: { create: false, name: WORKFLOW_ACCOUNT },
                rbac: { create: true, agentPermissions: false, artifactGC: false },
            },
            controller: {
                workflowNamespaces: [context.userNamespace],
                rbac: { secretWhitelist: [], accessAllSecrets: false, writeConfigMaps: false },
                nodeSelector: context.systemPlacement.nodeSelector,
                tolerations: context.systemPlacement.tolerations,
                resources: containerResources(ARGO_SIZES.controller),
                podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                // defaults every workflow gets unless it says otherwise; the admission policy holds what it may not say
                workflowDefaults: {
                    spec: {
                        serviceAccountName: WORKFLOW_ACCOUNT,
                        automountServiceAccountToken: true,
                        securityContext: RESTRICTED_POD,
                        podMetadata: { labels: { ...USER_CODE_LABELS, ...API_CLIENT_LABELS, ...(identity?.podLabels ?? {}) } },
                        tolerations: placement.tolerations,
                        affinity: placement.affinity,
                        ttlStrategy: { secondsAfterCompletion: keepSeconds },
                        podGC: { strategy: "OnPodCompletion" },
                    },
                },
            },
            // every workflow container and Argo's own (init, wait) in the form Pod Security `restricted` admits
            mainContainer: { securityContext: RESTRICTED_CONTAINER, env: podEnv },
            executor: { securityContext: RESTRICTED_CONTAINER },
            server: {
                enabled: true,
                authModes: ["server"],
                baseHref: `${WORKFLOWS_PREFIX}/`,
                secure: false,
                replicas: 1,
                nodeSelector: context.systemPlacement.nodeSelector,
                tolerations: context.systemPlacement.tolerations,
                resources: containerResources(ARGO_SIZES.server),
                podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                podLabels: { "hub.jupyter.org/network-access-hub": "true" },
                extraContainers: [
                    {
                        name: "hub-auth",
                        image: SERVICE_IMAGES.hubAuthProxy,
                        command: ["python3", "/workbench/workflows_proxy.py"],
                        env: [
                            { name: "JUPYTERHUB_API_TOKEN", valueFrom: { secretKeyRef: tokenRef } },
                            { name: "JUPYTERHUB_API_URL", value: `http://hub.${context.namespace}:${HUB_API_PORT}/hub/api` },
                            { name: "JUPYTERHUB_BASE_URL", value: "/" },
                            { name: "JUPYTERHUB_SERVICE_NAME", value: SERVICE },
                            { name: "JUPYTERHUB_SERVICE_PREFIX", value: `${WORKFLOWS_PREFIX}/` },
                            { name: "JUPYTERHUB_CLIENT_ID", value: `service-${SERVICE}` },
                            { name: "JUPYTERHUB_OAUTH_CALLBACK_URL", value: `${WORKFLOWS_PREFIX}/oauth_callback` },
                            { name: "JUPYTERHUB_OAUTH_ACCESS_SCOPES", value: JSON.stringify([`access:services!service=${SERVICE}`]) },
                            { name: "WORKFLOWS_NAMESPACE", value: context.userNamespace },
                        ],
                        ports: [{ name: "hub-auth", containerPort: WORKFLOWS_PROXY_PORT }],
                        resources: containerResources(OPERATOR_SIZES.hubAuthProxy),
                        securityContext: RESTRICTED_CONTAINER,
                        readinessProbe: { tcpSocket: { port: WORKFLOWS_PROXY_PORT }, periodSeconds: 10 },
                        volumeMounts: [{ name: "hub-auth", mountPath: "/workbench", readOnly: true }],
                    },
                ],
                volumes: [{ name: "hub-auth", configMap: { name: `${SERVICE}-hub-auth` } }],
            },
        };
        const release = chartRelease(
            name,
            { chart: SERVICE_CHARTS.argoWorkflows, releaseName: ARGO_RELEASE, namespace: context.namespace, values, provider: context.provider, dependsOn: [...context.dependsOn, ...readyWhen, tokenSecret, proxyScript] },
            component,
        );

        workflowAdmission(
            `${name}-pods`,
            {
                workbench: context.workbench,
                userNamespace: context.userNamespace,
                workflowAccount: WORKFLOW_ACCOUNT,
                controllerUser: `system:serviceaccount:${context.namespace}:${ARGO_CONTROLLER_ACCOUNT}`,
                provider: context.provider,
                dependsOn: context.dependsOn,
            },
            component,
        );

        // the proxy's Service: the hub's proxy and notebooks call it; the server's own port has none
        new k8s.core.v1.Service(
            name,
            {
                metadata: { name: SERVICE, namespace: context.namespace },
                spec: { selector: { ...ARGO_SERVER_POD_LABELS }, ports: [{ name: "hub-auth", port: WORKFLOWS_PROXY_PORT, targetPort: "hub-auth" }] },
            },
            { ...opts, dependsOn: [...context.dependsOn, release] },
        );
        // the server pod: the proxy's port to user code, the hub's proxy and the hub; the server's own port to no pod
        ingressPolicy(name, context, component, { ...ARGO_SERVER_POD_LABELS }, [WORKFLOWS_PROXY_PORT], [
            { from: [platformPods(HUB_PROXY_POD_LABELS), platformPods(HUB_POD_LABELS)], ports: [WORKFLOWS_PROXY_PORT] },
        ]);
        // the server and controller reach the API server; the proxy the hub's API
        egressPolicy(name, context, component, { ...ARGO_SERVER_POD_LABELS }, [toPlatformPods(HUB_POD_LABELS, [HUB_API_PORT]), ...apiServerEgress(context)]);
        egressPolicy(`${name}-controller`, context, component, { ...ARGO_CONTROLLER_POD_LABELS }, apiServerEgress(context));
        component.done();

        const url = `http://${SERVICE}.${context.namespace}.svc:${WORKFLOWS_PROXY_PORT}${WORKFLOWS_PREFIX}/`;
        return {
            connection: {
                name: SERVICE,
                env: [
                    // Hera joins API paths onto the host (urljoin), so the host ends in '/'
                    { name: "WORKBENCH_WORKFLOWS_URL", value: url },
                    { name: "WORKBENCH_WORKFLOWS_NAMESPACE", value: context.userNamespace },
                ],
                egress: [{ to: [podsIn(context.namespace, ARGO_SERVER_POD_LABELS)], ports: [{ port: WORKFLOWS_PROXY_PORT, protocol: "TCP" }] }],
                hubService: { url: `http://${SERVICE}.${context.namespace}.svc:${WORKFLOWS_PROXY_PORT}`, token: tokenRef, userScopes: [`access:services!service=${SERVICE}`] },
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.workflows],
                notebookExample: { title: "Pipelines (Argo Workflows)", code: PIPELINE_EXAMPLE },
            },
            readyWhen: [tokenSecret],
        };
    },
};

/**
 * The getting-started sample: a two-step pipeline that runs a notebook with papermill and writes the executed
 * notebook to the bucket, submitted with the user's hub token, then the same on a schedule. Each step runs in the
 * notebook image as the workflow account (its identity reaches `workflows/` in the bucket).
 */
export const PIPELINE_EXAMPLE = `import os
from hera.shared import global_config
from hera.workflows import Container, CronWorkflow, Steps, Workflow

global_config.host = os.environ["WORKBENCH_WORKFLOWS_URL"]      # the sign-in proxy: no kubeconfig
global_config.token = os.environ["JUPYTERHUB_API_TOKEN"]        # you, as the hub knows you
global_config.namespace = os.environ["WORKBENCH_WORKFLOWS_NAMESPACE"]
image = os.environ["JUPYTER_IMAGE"]                             # this notebook's environment
report = os.environ["WORKBENCH_BUCKET_URL"].rstrip("/") + "/${WORKFLOWS_BUCKET_PREFIX}{{workflow.name}}/report.ipynb"
make = "import nbformat as n; nb = n.v4.new_notebook(); nb.cells = [n.v4.new_code_cell('print(6 * 7)')]; n.write(nb, 'in.ipynb')"

def pipeline(kind, **schedule):
    with kind(generate_name="report-", entrypoint="main", **schedule) as w:
        check = Container(name="check", image=image, command=["python", "-c", "import fsspec; print('ready')"])
        run = Container(name="run-notebook", image=image, command=["sh", "-c",
            f'pip install --user -q papermill==2.7.0 && python -c "{make}" && python -m papermill in.ipynb {report}'])
        with Steps(name="main"):
            check()
            run()
    return w

pipeline(Workflow).create()                                     # runs now: see /services/workflows/
pipeline(CronWorkflow, schedules=["0 6 * * *"]).create()       # and every day at 06:00 UTC`;
