import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NodePool, ResourceRequests } from "../../providers/contract";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../labels";
import { egressToPods, ServiceConnection } from "../service-connection";
import { namespaceSelector } from "../tenancy/network-policies";
import { allocatable } from "../sizing";
import { SPARK_AUTHENTICATION_CONF, SparkWorkloadInput } from "./example";
import { ConnectorJars, connectorJars, SPARK_SECURITY_CONTEXT, sparkBucketAccess } from "./storage";
import { IMAGES, SPARK_CONNECT_CLIENT, SPARK_VERSION } from "../versions";
import { SPARK_CONNECT_SERVER } from "../capacity/requests";

/*
 * Spark from a notebook without a kubeconfig: one Spark Connect server (the Spark operator 2.5.2's
 * `SparkConnect` resource) that notebooks reach over gRPC with a thin client. The server is the only
 * pod that calls the Kubernetes API (to start executors); notebooks keep no Kubernetes token. The
 * server is always on, small, on the system pool (counted by `alwaysOnRequests`); its executors come
 * and go with the work on the user pool, which scales up from zero and back (dynamic allocation, 0 minimum).
 */

/** The SparkConnect object's name; the operator names the server's pod and Service `<name>-server`. */
export const SPARK_CONNECT_NAME = "spark-connect";

/** Spark Connect's gRPC port on the server (the operator's Service exposes it under this number). */
export const SPARK_CONNECT_PORT = 15002;

/** Labels the server pod carries besides the operator's: the notebooks' egress rule selects on them. */
export const SPARK_CONNECT_SERVER_LABELS: Readonly<Record<string, string>> = { "workbench.io/spark-connect": "server" };

/** The environment variable pyspark reads the Connect endpoint from (`SparkSession.builder.getOrCreate()`). */
export const SPARK_REMOTE_ENV = "SPARK_REMOTE";

/** The server's JVM heap, and its pod's memory: heap plus metaspace, threads and gRPC buffers. */
const SERVER_HEAP = "512m";
const { memoryMiB: SERVER_MEMORY_MIB, cpuMillis: SERVER_CPU_MILLIS } = SPARK_CONNECT_SERVER;

/** An executor's size; several fit on one user node. */
const EXECUTOR = { cores: 1, memory: "2g", memoryGiBWithOverhead: 2.5 };

/** Executors idle this long are released, so the user pool can scale back to zero. */
const EXECUTOR_IDLE_SECONDS = 120;

/** Executors holding shuffle data for a finished query are released after this long. */
const SHUFFLE_TRACKING_TIMEOUT_MS = 10 * 60 * 1000;

/** What the server's always-on pod asks of the system pool, for the always-on fit check and the idle price. */
export const SPARK_CONNECT_SERVER_REQUESTS: ResourceRequests = { cpuMillis: SERVER_CPU_MILLIS, memoryMiB: SERVER_MEMORY_MIB, pods: 1 };

/** What the Spark Connect server needs to know, resolved where the manifest is built. */
export interface SparkConnectInput extends SparkWorkloadInput {
    /** Where the always-on server runs (its placement, and its nodes' architecture for the connector jars). */
    systemPool: NodePool;
    /** Where executors run, and how many fit. */
    userPool: NodePool;
}

/** How many executors the user pool can hold at most: the ceiling of dynamic allocation. */
export function maxExecutors(pool: NodePool): number {
    const node = allocatable(pool);
    const perNode = Math.max(1, Math.min(Math.floor(node.cpu / EXECUTOR.cores), Math.floor(node.memoryGiB / EXECUTOR.memoryGiBWithOverhead)));
    return pool.maxNodes * perNode;
}

/** The SparkConnect object (sparkoperator.k8s.io/v1alpha1). */
export function sparkConnectManifest(input: SparkConnectInput): Record<string, unknown> {
    const access = sparkBucketAccess(input.bucketUrl, input.identityEnv);
    // the server and the executors may sit on nodes of different architectures, so each pod gets its own
    // source; the jars' names, and so the settings below, are the same either way
    const serverJars = connectorJars(access.connectors, input.systemPool.architecture);
    const executorJars = connectorJars(access.connectors, input.userPool.architecture);
    const containerSecurity = { allowPrivilegeEscalation: false, capabilities: SPARK_SECURITY_CONTEXT.capabilities };
    const { allowPrivilegeEscalation: _a, capabilities: _c, ...podSecurity } = SPARK_SECURITY_CONTEXT;
    const podBase = (pool: NodePool, jars: ConnectorJars | undefined, serviceAccountName: string) => ({
        serviceAccountName,
        nodeSelector: pool.placement.nodeSelector,
        tolerations: pool.placement.tolerations,
        securityContext: { ...podSecurity, fsGroup: 185 },
        ...(jars ? { initContainers: [jars.initContainer], volumes: [jars.volume] } : {}),
    });
    const container = (name: string, jars: ConnectorJars | undefined, env: SparkConnectInput["env"], extra: Record<string, unknown>) => ({
        name,
        image: IMAGES.spark,
        env,
        securityContext: containerSecurity,
        ...(jars ? { volumeMounts: [jars.volumeMount] } : {}),
        ...extra,
    });
    return {
        apiVersion: "sparkoperator.k8s.io/v1alpha1",
        kind: "SparkConnect",
        metadata: { name: SPARK_CONNECT_NAME, namespace: input.namespace },
        spec: {
            sparkVersion: SPARK_VERSION,
            image: IMAGES.spark,
            sparkConf: {
                ...access.sparkConf,
                ...(serverJars?.sparkConf ?? {}),
                ...SPARK_AUTHENTICATION_CONF,
                "spark.kubernetes.authenticate.executor.serviceAccountName": input.executorServiceAccountName,
                "spark.dynamicAllocation.executorIdleTimeout": `${EXECUTOR_IDLE_SECONDS}s`,
            },
            server: {
                memory: SERVER_HEAP,
                template: {
                    // the server starts executors through the Kubernetes API, and runs plans users send
                    metadata: { labels: { ...input.podLabels, ...USER_CODE_LABELS, ...API_CLIENT_LABELS, ...SPARK_CONNECT_SERVER_LABELS } },
                    spec: {
                        ...podBase(input.systemPool, serverJars, input.serviceAccountName),
                        containers: [
                            container("spark-kubernetes-driver", serverJars, input.env, {
                                resources: {
                                    requests: { cpu: `${SERVER_CPU_MILLIS}m`, memory: `${SERVER_MEMORY_MIB}Mi` },
                                    limits: { cpu: "1", memory: `${SERVER_MEMORY_MIB}Mi` },
                                },
                            }),
                        ],
                    },
                },
            },
            executor: {
                cores: EXECUTOR.cores,
                memory: EXECUTOR.memory,
                template: {
                    metadata: { labels: { ...input.podLabels, ...USER_CODE_LABELS } },
                    spec: {
                        ...podBase(input.userPool, executorJars, input.executorServiceAccountName),
                        // executors run users' code and never call the API: no Kubernetes token in them
                        automountServiceAccountToken: false,
                        containers: [container("spark-kubernetes-executor", executorJars, input.executorEnv, {})],
                    },
                },
            },
            dynamicAllocation: {
                enabled: true,
                initialExecutors: 0,
                minExecutors: 0,
                maxExecutors: maxExecutors(input.userPool),
                shuffleTrackingEnabled: true,
                shuffleTrackingTimeout: SHUFFLE_TRACKING_TIMEOUT_MS,
            },
        },
    };
}

/** The endpoint notebooks use: the operator's Service for the server. */
export function sparkConnectEndpoint(namespace: string): string {
    return `sc://${SPARK_CONNECT_NAME}-server.${namespace}.svc.cluster.local:${SPARK_CONNECT_PORT}`;
}

/** What notebooks get: the endpoint, egress to the server's gRPC port only, the thin client, an example. */
export function sparkConnectConnection(namespace: string): ServiceConnection {
    return {
        name: "spark-connect",
        env: [{ name: SPARK_REMOTE_ENV, value: sparkConnectEndpoint(namespace) }],
        // the server runs in the user namespace, beside the notebooks
        egress: [{ ...egressToPods({ ...SPARK_CONNECT_SERVER_LABELS }, [SPARK_CONNECT_PORT]), to: [{ namespaceSelector: namespaceSelector(namespace), podSelector: { matchLabels: { ...SPARK_CONNECT_SERVER_LABELS } } }] }],
        pythonPackages: [SPARK_CONNECT_CLIENT],
        notebookExample: {
            title: "Spark",
            code: [
                "# SPARK_REMOTE points at the workbench's Spark Connect server: no kubeconfig, and the thin client needs no JVM.",
                "# Executors start on the user pool as queries need them (the first may wait for a node) and stop when idle.",
                "from pyspark.sql import SparkSession",
                "spark = SparkSession.builder.getOrCreate()",
                "spark.range(1_000_000).selectExpr('sum(id)').show()",
            ].join("\n"),
        },
    };
}

/** Arguments of {@link SparkConnectServer}. */
export interface SparkConnectServerArgs extends Omit<SparkConnectInput, "env" | "executorEnv" | "identityEnv" | "bucketUrl"> {
    /** The driver account's environment. */
    env: pulumi.Input<k8s.types.input.core.v1.EnvVar[]>;
    /** The executors' account's environment. */
    executorEnv: pulumi.Input<k8s.types.input.core.v1.EnvVar[]>;
    /** The identity's plain environment by name. */
    identityEnv: Record<string, pulumi.Input<string>>;
    /** The bucket, when the stack has one. */
    bucketUrl?: pulumi.Input<string>;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** The operator's release (its CRDs and controller) and the ServiceAccount. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The workbench's Spark Connect server, run by the Spark operator. */
export class SparkConnectServer extends pulumi.ComponentResource {
    /** What notebooks need to reach it. */
    readonly connection: ServiceConnection;
    /** What its always-on pod asks of the system pool. */
    readonly alwaysOnRequests: ResourceRequests;

    constructor(name: string, args: SparkConnectServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:spark:ConnectServer", name, {}, opts);
        const manifest = pulumi
            .all([pulumi.output(args.env), pulumi.output(args.executorEnv), pulumi.output(args.identityEnv), pulumi.output(args.bucketUrl)])
            .apply(([env, executorEnv, identityEnv, bucketUrl]) => sparkConnectManifest({ ...args, env, executorEnv, identityEnv, bucketUrl }));
        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "sparkoperator.k8s.io/v1alpha1",
                kind: "SparkConnect",
                metadata: { name: SPARK_CONNECT_NAME, namespace: args.namespace },
                spec: manifest.apply((m) => m["spec"]),
            },
            { parent: this, provider: args.provider, dependsOn: args.dependsOn },
        );
        this.connection = sparkConnectConnection(args.namespace);
        this.alwaysOnRequests = SPARK_CONNECT_SERVER_REQUESTS;
        this.registerOutputs({ endpoint: sparkConnectEndpoint(args.namespace) });
    }
}
