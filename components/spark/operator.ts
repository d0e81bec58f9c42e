import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { NodePool, ResourceRequests } from "../../providers/contract";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../labels";
import { chartRelease } from "../helm/release";
import { ServiceConnection } from "../service-connection";
import { SparkConnectServer } from "./connect";
import { sparkExampleApplication } from "./example";
import { CHARTS } from "../versions";

/** The ConfigMap holding the example SparkApplication. */
export const SPARK_EXAMPLE_CONFIGMAP = "spark-example";

/** The example's key in {@link SPARK_EXAMPLE_CONFIGMAP}. */
export const SPARK_EXAMPLE_KEY = "bucket-word-count.yaml";

/** Arguments of {@link SparkOperator}. */
export interface SparkOperatorArgs {
    /** The namespace Spark jobs run in (the workbench namespace). */
    namespace: string;
    /** The identity-bound ServiceAccount drivers and executors run as. */
    serviceAccountName: string;
    /** Labels workload identity needs on the pods. */
    podLabels: Record<string, string>;
    /** The workload account's environment. */
    env: k8s.types.input.core.v1.EnvVar[];
    /** The identity's plain environment by name. */
    identityEnv: Record<string, pulumi.Input<string>>;
    /** The bucket the example reads. */
    bucketUrl?: pulumi.Input<string>;
    /** Where the operator and the Connect server run. */
    systemPool: NodePool;
    /** Where the example's driver and the executors run (the Connect server's executors too). */
    userPool: NodePool;
    /** Run the always-on Spark Connect server notebooks use (`workbench:services.spark.connectServer`). */
    connectServer: boolean;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** What the operator and the jobs need first (namespace, ServiceAccount). */
    dependsOn: pulumi.Resource[];
}

/**
 * The Kubeflow Spark operator, watching only the workbench namespace. Its chart grants the
 * workload account the Role a driver needs to run executors, so jobs run as that account. With the
 * Connect server on, notebooks get a SparkSession through it (spark-connect.ts), without a kubeconfig.
 */
export class SparkOperator extends pulumi.ComponentResource {
    /** What notebooks learn about Spark: the Connect endpoint and its egress; absent without the server. */
    readonly connection?: ServiceConnection;
    /** What Spark keeps running on the system pool besides the operator (the Connect server), for the fit check. */
    readonly alwaysOnRequests?: ResourceRequests;
    /** The command that runs the example SparkApplication (reading the bucket). */
    readonly exampleCommand: string;

    constructor(name: string, args: SparkOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:spark:Operator", name, {}, opts);
        const system = { nodeSelector: args.systemPool.placement.nodeSelector, tolerations: args.systemPool.placement.tolerations };

        const release = chartRelease(
            name,
            {
                chart: CHARTS.sparkOperator,
                releaseName: "spark-operator",
                namespace: args.namespace,
                values: {
                    controller: system,
                    // the webhook (on by default) applies the pod settings spark-submit cannot: tolerations, env from Secrets
                    webhook: system,
                    spark: {
                        jobNamespaces: [args.namespace],
                        serviceAccount: { create: false, name: args.serviceAccountName },
                        rbac: { create: true },
                    },
                },
                provider: args.provider,
                dependsOn: args.dependsOn,
            },
            this,
        );

        if (args.connectServer) {
            const connect = new SparkConnectServer(
                `${name}-connect`,
                {
                    namespace: args.namespace,
                    serviceAccountName: args.serviceAccountName,
                    podLabels: args.podLabels,
                    env: args.env,
                    identityEnv: args.identityEnv,
                    bucketUrl: args.bucketUrl,
                    systemPool: args.systemPool,
                    userPool: args.userPool,
                    provider: args.provider,
                    // the SparkConnect CRD and its controller come with the release
                    dependsOn: [...args.dependsOn, release],
                },
                { parent: this },
            );
            this.connection = connect.connection;
            this.alwaysOnRequests = connect.alwaysOnRequests;
        }

        const manifest = pulumi
            .all([pulumi.output(args.env), pulumi.output(args.identityEnv), pulumi.output(args.bucketUrl)])
            .apply(([env, identityEnv, bucketUrl]) =>
                stringify(
                    sparkExampleApplication({
                        namespace: args.namespace,
                        serviceAccountName: args.serviceAccountName,
                        // drivers and executors run users' code (fenced); drivers call the API server to start executors
                        podLabels: { ...args.podLabels, ...USER_CODE_LABELS, ...API_CLIENT_LABELS },
                        env,
                        identityEnv,
                        pool: args.userPool,
                        bucketUrl,
                    }),
                    // plain YAML without anchors: readers and kubectl see every pod's settings in place
                    { aliasDuplicateObjects: false },
                ),
            );
        // kept in the cluster beside the jobs, so the stack output stays a one-line command
        new k8s.core.v1.ConfigMap(
            `${name}-example`,
            { metadata: { name: SPARK_EXAMPLE_CONFIGMAP, namespace: args.namespace }, data: { [SPARK_EXAMPLE_KEY]: manifest } },
            { parent: this, provider: args.provider, dependsOn: args.dependsOn },
        );
        this.exampleCommand = `kubectl -n ${args.namespace} get configmap ${SPARK_EXAMPLE_CONFIGMAP} -o jsonpath='{.data.${SPARK_EXAMPLE_KEY.replace(/\./g, "\\.")}}' | kubectl apply -f -`;
        this.registerOutputs({ exampleCommand: this.exampleCommand });
    }
}
