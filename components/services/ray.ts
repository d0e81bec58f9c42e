import * as k8s from "@pulumi/kubernetes";
import { KUBERAY_CRD_NAMES, upgradeChartCrds } from "../cluster/crds";
import * as random from "@pulumi/random";
import { GpuPool, NodePlacement } from "../../providers/contract";
import { containerResources, OPERATOR_SIZES, SERVER_SIZES, sizeWith } from "../capacity/requests";
import { chartRelease } from "../helm/release";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../labels";
import { allocatable } from "../sizing";
import { RAY_VERSION, SERVICE_CHARTS, SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService, ServiceContext } from "./catalog";
import { childOptions, DataService } from "./common";
import { namespaceSelector, rayPolicySpec } from "../tenancy/network-policies";
import { RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY } from "../tenancy/zones";

/** The RayCluster's name: KubeRay names the head's Service `<name>-head-svc`. */
export const RAY_CLUSTER = "ray";
/** Ray Client's port on the head. */
export const RAY_CLIENT_PORT = 10001;
/** The dashboard and the Jobs API. */
export const RAY_DASHBOARD_PORT = 8265;
/** Labels KubeRay puts on every pod of the cluster. */
export const RAY_POD_LABELS: Readonly<Record<string, string>> = { "ray.io/cluster": RAY_CLUSTER };
/** Labels KubeRay puts on the head pod. */
export const RAY_HEAD_LABELS: Readonly<Record<string, string>> = { ...RAY_POD_LABELS, "ray.io/node-type": "head" };

const TOKEN_SECRET = "ray-auth-token";

/** Ray's images run as the user `ray` (uid 1000, group users 100); stated as numbers for `runAsNonRoot`. */
const RAY_POD_SECURITY = { ...RESTRICTED_POD_SECURITY, runAsUser: 1000, runAsGroup: 100, fsGroup: 100 };
/** What `restricted` requires of each container; KubeRay copies the Ray container's onto the workers' init container. */
const RAY_CONTAINER_SECURITY = { ...RESTRICTED_CONTAINER_SECURITY, capabilities: { drop: [...RESTRICTED_CONTAINER_SECURITY.capabilities.drop] } };

/** KubeRay's operator pods (the kuberay-operator chart's `app.kubernetes.io/name`). */
const KUBERAY_OPERATOR_LABELS = { "app.kubernetes.io/name": "kuberay-operator" };

/** Where client libraries look for a pod's Kubernetes token (the autoscaler's Kubernetes client among them). */
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The head's Kubernetes token, as a volume only the autoscaler container mounts. */
const AUTOSCALER_TOKEN_VOLUME = "autoscaler-kube-api-access";

/**
 * The Kubernetes token the autoscaler needs (KubeRay binds the head's account to a Role that patches pods
 * and RayClusters: ray-project/kuberay@v1.7.0 ray-operator/controllers/ray/common/rbac.go `BuildRole`), as the
 * kubelet would project it, but mounted into the autoscaler alone (`autoscalerOptions.volumeMounts`,
 * raycluster_types.go v1.7.0): the `ray-head` container, where users' drivers run, has no token.
 */
export function autoscalerTokenVolume(): Record<string, unknown> {
    return {
        name: AUTOSCALER_TOKEN_VOLUME,
        projected: {
            sources: [
                { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
                { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
            ],
        },
    };
}
/** The key KubeRay reads the token from. */
const TOKEN_KEY = "auth_token";

/** One worker group: its pool and the size of a worker (one per node, a node's allocatable). */
function workerGroup(groupName: string, placement: NodePlacement, node: { vcpu: number; memoryGiB: number }, maxReplicas: number, image: string, context: ServiceContext, gpu?: GpuPool) {
    const share = allocatable(node);
    const cpu = Math.max(1, Math.floor(share.cpu));
    const memory = `${Math.floor(share.memoryGiB * 1024)}Mi`;
    return {
        groupName,
        replicas: 0,
        minReplicas: 0,
        maxReplicas,
        rayStartParams: {},
        template: {
            metadata: { labels: { ...USER_CODE_LABELS, ...context.workloadPodLabels } },
            spec: {
                // users' tasks read and write the bucket as the notebooks do
                serviceAccountName: context.workloadServiceAccount,
                automountServiceAccountToken: false,
                securityContext: RAY_POD_SECURITY,
                nodeSelector: placement.nodeSelector,
                tolerations: placement.tolerations,
                containers: [
                    {
                        name: "ray-worker",
                        image,
                        env: context.workloadEnv,
                        securityContext: RAY_CONTAINER_SECURITY,
                        resources: {
                            requests: { cpu: String(cpu), memory },
                            // KubeRay derives the worker's GPUs from this limit
                            limits: { cpu: String(cpu), memory, ...(gpu ? { [gpu.resourceName]: String(gpu.gpusPerNode) } : {}) },
                        },
                    },
                ],
            },
        },
    };
}

/**
 * Ray through KubeRay: the operator in the platform namespace (watching the user namespace only) and one
 * RayCluster in the user namespace whose head stays on the always-on pool (counted by the fit check) and
 * whose workers start from zero on the user pool and on each GPU pool, through Ray's autoscaler. Notebooks
 * connect with `ray.init()` (RAY_ADDRESS). Ray is one shared trust domain: every notebook holds the same
 * token, and anyone with it can see and stop others' jobs (docs/tenancy.md).
 */
export const ray: CatalogService<"ray"> = {
    name: "ray",
    requires: [],
    systemPods: (settings) => [
        { component: "KubeRay operator", ...OPERATOR_SIZES.kuberay, pods: 1 },
        {
            component: "Ray head (with its autoscaler)",
            cpuMillis: sizeWith(SERVER_SIZES.ray, settings).cpuMillis + OPERATOR_SIZES.rayAutoscaler.cpuMillis,
            memoryMiB: sizeWith(SERVER_SIZES.ray, settings).memoryMiB + OPERATOR_SIZES.rayAutoscaler.memoryMiB,
            pods: 1,
        },
    ],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-ray`;
        const component = new DataService("Ray", name, { parent });
        const system = { nodeSelector: context.systemPlacement.nodeSelector, tolerations: context.systemPlacement.tolerations };
        const operator = chartRelease(
            `${name}-operator`,
            {
                chart: SERVICE_CHARTS.kuberayOperator,
                releaseName: "kuberay-operator",
                namespace: context.namespace,
                values: {
                    ...system,
                    resources: containerResources(OPERATOR_SIZES.kuberay),
                    // Roles in the watched namespace instead of a ClusterRole; RayClusters live with users' code
                    singleNamespaceInstall: true,
                    watchNamespace: [context.userNamespace],
                },
                provider: context.provider,
                dependsOn: context.dependsOn,
            },
            component,
        );
        // Helm never upgrades a chart's crds/ folder: a Job per chart version does (cluster/crds.ts)
        upgradeChartCrds(
            name,
            { chart: SERVICE_CHARTS.kuberayOperator, crdNames: KUBERAY_CRD_NAMES, namespace: context.namespace, placement: context.systemPlacement, provider: context.provider, release: operator },
            component,
        );

        const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: component });
        // beside the pods that read it: Ray's own credential, in the user namespace
        const secret = new k8s.core.v1.Secret(
            `${name}-token`,
            { metadata: { name: TOKEN_SECRET, namespace: context.userNamespace }, stringData: { [TOKEN_KEY]: token.result } },
            childOptions(context, component),
        );

        const head = sizeWith(SERVER_SIZES.ray, settings);
        const workers = [
            workerGroup("cpu", context.userPool.placement, context.userPool, settings.maxWorkers, SERVICE_IMAGES.ray, context),
            ...context.gpuPools.map((pool) =>
                workerGroup(`gpu-${pool.name}`, pool.placement, pool, pool.maxNodes, SERVICE_IMAGES.rayGpu, context, pool),
            ),
        ];
        new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            {
                apiVersion: "ray.io/v1",
                kind: "RayCluster",
                metadata: { name: RAY_CLUSTER, namespace: context.userNamespace },
                spec: {
                    rayVersion: RAY_VERSION,
                    // without a token anyone reaching the head's ports runs code; the token is in a Secret
                    authOptions: { mode: "token", secretName: TOKEN_SECRET },
                    enableInTreeAutoscaling: true,
                    autoscalerOptions: {
                        version: "v2",
                        idleTimeoutSeconds: 600,
                        resources: containerResources(OPERATOR_SIZES.rayAutoscaler),
                        securityContext: RAY_CONTAINER_SECURITY,
                        volumeMounts: [{ name: AUTOSCALER_TOKEN_VOLUME, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true }],
                    },
                    headGroupSpec: {
                        // the head schedules no tasks: work goes to workers that start on the user pools
                        rayStartParams: { "num-cpus": "0", "dashboard-host": "0.0.0.0" },
                        template: {
                            // the head runs the Ray Client drivers (users' code) and its autoscaler calls the API server
                            metadata: { labels: { ...USER_CODE_LABELS, ...API_CLIENT_LABELS, ...context.workloadPodLabels } },
                            spec: {
                                ...system,
                                // the autoscaler's token reaches its container alone, never ray-head's
                                automountServiceAccountToken: false,
                                volumes: [autoscalerTokenVolume()],
                                securityContext: RAY_POD_SECURITY,
                                containers: [
                                    {
                                        name: "ray-head",
                                        image: SERVICE_IMAGES.ray,
                                        env: context.workloadEnv,
                                        securityContext: RAY_CONTAINER_SECURITY,
                                        resources: containerResources(head),
                                        ports: [
                                            { name: "gcs", containerPort: 6379 },
                                            { name: "dashboard", containerPort: RAY_DASHBOARD_PORT },
                                            { name: "client", containerPort: RAY_CLIENT_PORT },
                                        ],
                                        readinessProbe: { tcpSocket: { port: RAY_CLIENT_PORT }, periodSeconds: 10, initialDelaySeconds: 15, failureThreshold: 12 },
                                    },
                                ],
                            },
                        },
                    },
                    workerGroupSpecs: workers,
                },
            },
            childOptions(context, component, [operator, secret, ...context.workloadReadyWhen]),
        );
        // head and workers talk to each other on many ports; notebooks reach the head's client and dashboard ports
        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress`,
            {
                metadata: { name: `${name}-ingress`, namespace: context.userNamespace },
                spec: rayPolicySpec(
                    { podLabels: { ...RAY_POD_LABELS }, headPorts: [RAY_CLIENT_PORT, RAY_DASHBOARD_PORT], operatorLabels: KUBERAY_OPERATOR_LABELS, dashboardPort: RAY_DASHBOARD_PORT },
                    context.namespace,
                ),
            },
            childOptions(context, component),
        );
        component.done();

        const headService = `${RAY_CLUSTER}-head-svc.${context.userNamespace}.svc`;
        return {
            connection: {
                name: "ray",
                env: [
                    { name: "RAY_ADDRESS", value: `ray://${headService}:${RAY_CLIENT_PORT}` },
                    { name: "RAY_AUTH_MODE", value: "token" },
                    { name: "RAY_AUTH_TOKEN", valueFrom: { secretKeyRef: { name: TOKEN_SECRET, key: TOKEN_KEY } } },
                ],
                egress: [
                    {
                        to: [{ namespaceSelector: namespaceSelector(context.userNamespace), podSelector: { matchLabels: { ...RAY_HEAD_LABELS } } }],
                        ports: [RAY_CLIENT_PORT, RAY_DASHBOARD_PORT].map((port) => ({ port, protocol: "TCP" })),
                    },
                ],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.ray],
                notebookExample: {
                    title: "Ray",
                    code: `import ray\nray.init()  # reads RAY_ADDRESS\nprint(ray.get(ray.remote(lambda: "hello from a Ray worker").remote()))`,
                },
            },
            readyWhen: [secret],
        };
    },
};
