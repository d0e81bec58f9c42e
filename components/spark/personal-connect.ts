import { NodePool } from "../../providers/contract";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../labels";
import { allocatable } from "../sizing";
import { RESTRICTED_CONTAINER_SECURITY } from "../tenancy/zones";
import { IMAGES } from "../versions";
import { SparkEnvVar, SPARK_AUTHENTICATION_CONF, SparkWorkloadInput } from "./example";
import { connectorJars, SPARK_SECURITY_CONTEXT, sparkBucketAccess } from "./storage";

/*
 * Spark from a notebook, one server per person (DESIGN §5b.4): the Spark profile's server runs a Spark
 * Connect server as a sidecar of the notebook. It is a Spark driver in client mode, so:
 * - it is that person's alone: gRPC is bound to loopback (`spark.connect.grpc.binding.address`), so only the
 *   containers of that pod reach it, and it checks a secret generated for each start (Spark 4's
 *   `spark.connect.authenticate.token`, read from SPARK_CONNECT_AUTHENTICATE_TOKEN), handed to the notebook in
 *   SPARK_REMOTE; on loopback the secret never crosses the network, so no certificate per person is needed (both
 *   settings are Spark 4.0.0's: apache/spark sql/connect/server config/Connect.scala, CONNECT_GRPC_BINDING_ADDRESS and
 *   getAuthenticateToken, which falls back to that variable);
 * - it starts and stops with the server: it is a container of the pod, on the user pool from zero, and its
 *   executors are owned by the pod (`spark.kubernetes.driver.pod.name`), so the garbage collector removes them too;
 * - the pod runs as the Spark driver account, whose Kubernetes token is projected into the sidecar alone
 *   (the pod mounts none; the notebook container never sees it), and the admission policy shapes every pod it creates.
 * The hub's modify_pod_hook (Python, below) adds the sidecar to servers started with the Spark profile.
 */

/** The Spark profile's slug: servers started with it get the Connect sidecar. */
export const SPARK_PROFILE = "spark";

/** Spark Connect's gRPC port, on the pod's loopback only. */
export const PERSONAL_CONNECT_PORT = 15002;

/** The driver's RPC and block manager ports: executors connect to them on the notebook pod. */
export const DRIVER_PORTS: readonly number[] = [7078, 7079];

/** Marks a notebook pod that runs a personal Spark driver: its executors may reach it. */
export const SPARK_DRIVER_POD_LABELS: Readonly<Record<string, string>> = { "workbench.io/spark-connect": "personal" };

/** Where the executor pod template is mounted in the sidecar. */
const TEMPLATE_DIR = "/opt/workbench/spark";
/** The template's key in its ConfigMap. */
export const EXECUTOR_TEMPLATE_KEY = "executor.yaml";

/** The volume holding the driver's Kubernetes token, mounted only in the sidecar where clients look for it. */
const TOKEN_VOLUME = "spark-driver-kube-api-access";
const TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The sidecar's JVM heap and its container's memory (heap plus metaspace, threads, gRPC and Arrow buffers). */
const DRIVER_HEAP = "1g";
const SIDECAR_MEMORY_MIB = 1536;
const SIDECAR_CPU_MILLIS = 500;

/** An executor's size; several fit on one user node. */
const EXECUTOR = { cores: 1, memory: "2g", memoryGiBWithOverhead: 2.5 };

/** Executors idle this long are released, so the user pool can scale back to zero. */
const EXECUTOR_IDLE_SECONDS = 120;

/** What the personal Connect server needs to know, resolved. */
export interface PersonalConnectInput extends SparkWorkloadInput {
    /** Where notebooks and executors run (its placement, and its nodes' architecture for the connector jars). */
    userPool: NodePool;
    /** The ConfigMap holding the executor pod template (in the user namespace, marked as the platform's). */
    templateConfigMap: string;
}

/** How many executors one person may hold: the user pool's capacity (dynamic allocation's ceiling). */
export function maxPersonalExecutors(pool: NodePool): number {
    const node = allocatable(pool);
    const perNode = Math.max(1, Math.min(Math.floor(node.cpu / EXECUTOR.cores), Math.floor(node.memoryGiB / EXECUTOR.memoryGiBWithOverhead)));
    return pool.maxNodes * perNode;
}

/** The executor pod template Spark merges into each executor it creates: what the admission policy requires. */
export function executorPodTemplate(input: PersonalConnectInput): Record<string, unknown> {
    const jars = connectorJars(sparkBucketAccess(input.bucketUrl, input.identityEnv).connectors, input.userPool.architecture);
    const { allowPrivilegeEscalation: _a, capabilities: _c, ...podSecurity } = SPARK_SECURITY_CONTEXT;
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { labels: { ...input.podLabels, ...USER_CODE_LABELS } },
        spec: {
            serviceAccountName: input.executorServiceAccountName,
            // executors run users' code and never call the API: no token (the admission policy refuses one)
            automountServiceAccountToken: false,
            nodeSelector: input.userPool.placement.nodeSelector,
            tolerations: input.userPool.placement.tolerations,
            securityContext: { ...podSecurity, fsGroup: 185 },
            ...(jars ? { initContainers: [jars.initContainer], volumes: [jars.volume] } : {}),
            containers: [
                {
                    name: "spark-kubernetes-executor",
                    env: input.executorEnv,
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                    ...(jars ? { volumeMounts: [jars.volumeMount] } : {}),
                },
            ],
        },
    };
}

/** Spark settings of the personal server (`--conf` of start-connect-server.sh); `$(VAR)` is expanded by the kubelet. */
export function personalConnectConf(input: PersonalConnectInput): Record<string, string> {
    const access = sparkBucketAccess(input.bucketUrl, input.identityEnv);
    const jars = connectorJars(access.connectors, input.userPool.architecture);
    return {
        ...access.sparkConf,
        ...(jars?.sparkConf ?? {}),
        ...SPARK_AUTHENTICATION_CONF,
        "spark.master": "k8s://https://kubernetes.default.svc:443",
        "spark.submit.deployMode": "client",
        "spark.kubernetes.namespace": input.namespace,
        "spark.kubernetes.container.image": IMAGES.spark,
        // executors are owned by the server's pod: they go when it goes
        "spark.kubernetes.driver.pod.name": "$(POD_NAME)",
        "spark.driver.host": "$(POD_IP)",
        "spark.driver.bindAddress": "0.0.0.0",
        "spark.driver.port": String(DRIVER_PORTS[0]),
        "spark.blockManager.port": String(DRIVER_PORTS[1]),
        "spark.driver.memory": DRIVER_HEAP,
        // reachable only from the pod's own containers: the person's notebook
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": String(PERSONAL_CONNECT_PORT),
        "spark.kubernetes.authenticate.executor.serviceAccountName": input.executorServiceAccountName,
        "spark.kubernetes.executor.podTemplateFile": `${TEMPLATE_DIR}/${EXECUTOR_TEMPLATE_KEY}`,
        "spark.kubernetes.executor.podTemplateContainerName": "spark-kubernetes-executor",
        "spark.executor.cores": String(EXECUTOR.cores),
        "spark.executor.memory": EXECUTOR.memory,
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.shuffleTracking.enabled": "true",
        "spark.dynamicAllocation.minExecutors": "0",
        "spark.dynamicAllocation.initialExecutors": "0",
        "spark.dynamicAllocation.maxExecutors": String(maxPersonalExecutors(input.userPool)),
        "spark.dynamicAllocation.executorIdleTimeout": `${EXECUTOR_IDLE_SECONDS}s`,
    };
}

/** What the hub's hook adds to a Spark profile's pod (plain JSON, embedded in the hook). */
export interface PersonalConnectPod {
    /** The profile that gets the sidecar. */
    profile: string;
    /** The pod's ServiceAccount: the Spark driver account. */
    serviceAccount: string;
    /** Labels the pod gets: API client (the sidecar calls the API), the driver mark its executors' fence admits. */
    labels: Record<string, string>;
    /** The sidecar, without its per-start secret (the hook adds it). */
    sidecar: Record<string, unknown>;
    /** Volumes the sidecar needs: its token, the executor template, the connector jars. */
    volumes: Array<Record<string, unknown>>;
    /** The connector jars' init container, when the bucket needs connectors. */
    initContainers: Array<Record<string, unknown>>;
    /** The environment variable holding the secret in the sidecar (Spark 4 Connect reads it). */
    tokenEnv: string;
    /** The loopback port the notebook's SPARK_REMOTE names. */
    port: number;
}

/** The additions to a Spark profile's pod. */
export function personalConnectPod(input: PersonalConnectInput): PersonalConnectPod {
    const jars = connectorJars(sparkBucketAccess(input.bucketUrl, input.identityEnv).connectors, input.userPool.architecture);
    const conf = personalConnectConf(input);
    const env: SparkEnvVar[] = [
        ...input.env,
        { name: "SPARK_NO_DAEMONIZE", value: "true" },
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    ];
    return {
        profile: SPARK_PROFILE,
        serviceAccount: input.serviceAccountName,
        labels: { ...API_CLIENT_LABELS, ...SPARK_DRIVER_POD_LABELS },
        sidecar: {
            name: "spark-connect",
            image: IMAGES.spark,
            command: ["/opt/spark/sbin/start-connect-server.sh", ...Object.entries(conf).flatMap(([key, value]) => ["--conf", `${key}=${value}`])],
            env,
            ports: DRIVER_PORTS.map((port) => ({ containerPort: port, protocol: "TCP" })),
            resources: {
                requests: { cpu: `${SIDECAR_CPU_MILLIS}m`, memory: `${SIDECAR_MEMORY_MIB}Mi` },
                limits: { memory: `${SIDECAR_MEMORY_MIB}Mi` },
            },
            securityContext: { ...RESTRICTED_CONTAINER_SECURITY, capabilities: { drop: ["ALL"] }, runAsUser: 185, runAsGroup: 185 },
            volumeMounts: [
                { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
                { name: "spark-executor-template", mountPath: TEMPLATE_DIR, readOnly: true },
                ...(jars ? [jars.volumeMount] : []),
            ],
        },
        volumes: [
            {
                name: TOKEN_VOLUME,
                projected: {
                    sources: [
                        { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
                        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
                    ],
                },
            },
            { name: "spark-executor-template", configMap: { name: input.templateConfigMap } },
            ...(jars ? [jars.volume] : []),
        ],
        initContainers: jars ? [{ ...jars.initContainer, securityContext: { ...SPARK_SECURITY_CONTEXT } }] : [],
        tokenEnv: "SPARK_CONNECT_AUTHENTICATE_TOKEN",
        port: PERSONAL_CONNECT_PORT,
    };
}

/**
 * The hub's hook (KubeSpawner 7.0.0 `modify_pod_hook(spawner, pod)`, called with the V1Pod before it is
 * created; jupyterhub/kubespawner@7.0.0 kubespawner/spawner.py `_start`; the chosen profile's slug is
 * `user_options.get("profile")`, spawner.py `_validate_user_options`; the notebook container is named `notebook`,
 * objects.py `make_pod`): for the Spark profile, the driver
 * account, the sidecar with a secret made for this start, its volumes, and SPARK_REMOTE in the notebook.
 * KubeSpawner serialises the pod with the client's sanitize_for_serialization, which takes plain dicts.
 */
export function personalConnectHook(pod: PersonalConnectPod): string {
    return `import copy, json, secrets

_workbench_spark = json.loads(${JSON.stringify(JSON.stringify(pod))})


def workbench_spark_connect(spawner, pod):
    if (spawner.user_options or {}).get("profile") != _workbench_spark["profile"]:
        return pod
    token = secrets.token_urlsafe(32)
    spec = pod.spec
    spec.service_account_name = _workbench_spark["serviceAccount"]
    spec.automount_service_account_token = False
    pod.metadata.labels = dict(pod.metadata.labels or {}, **_workbench_spark["labels"])
    sidecar = copy.deepcopy(_workbench_spark["sidecar"])
    sidecar["env"].append({"name": _workbench_spark["tokenEnv"], "value": token})
    spec.containers.append(sidecar)
    spec.volumes = list(spec.volumes or []) + copy.deepcopy(_workbench_spark["volumes"])
    spec.init_containers = list(spec.init_containers or []) + copy.deepcopy(_workbench_spark["initContainers"])
    notebook = next(c for c in spec.containers if getattr(c, "name", None) == "notebook")
    notebook.env = list(notebook.env or []) + [
        {"name": "SPARK_REMOTE", "value": "sc://localhost:%d/;token=%s" % (_workbench_spark["port"], token)}
    ]
    return pod


c.KubeSpawner.modify_pod_hook = workbench_spark_connect
`;
}
