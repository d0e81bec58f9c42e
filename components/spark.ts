import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { NodePlacement } from "../providers/contract";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "./labels";
import { chartRelease } from "./helm";
import { ServiceConnection } from "./service-connection";
import { sparkExampleApplication } from "./spark-example";
import { CHARTS, IMAGES } from "./versions";

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
    /** Where the operator runs. */
    systemPlacement: NodePlacement;
    /** Where the example's driver and executors run. */
    userPlacement: NodePlacement;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** What the operator and the jobs need first (namespace, ServiceAccount). */
    dependsOn: pulumi.Resource[];
}

/**
 * The Kubeflow Spark operator, watching only the workbench namespace. Its chart grants the
 * workload account the Role a driver needs to run executors, so jobs run as that account.
 */
export class SparkOperator extends pulumi.ComponentResource {
    /** What notebooks learn about Spark (no egress: jobs are submitted through the Kubernetes API). */
    readonly connection: ServiceConnection;
    /** The command that runs the example SparkApplication (reading the bucket). */
    readonly exampleCommand: string;

    constructor(name: string, args: SparkOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:spark:Operator", name, {}, opts);
        const system = { nodeSelector: args.systemPlacement.nodeSelector, tolerations: args.systemPlacement.tolerations };

        chartRelease(
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

        this.connection = {
            name: "spark-operator",
            env: [
                { name: "WORKBENCH_SPARK_NAMESPACE", value: args.namespace },
                { name: "WORKBENCH_SPARK_SERVICE_ACCOUNT", value: args.serviceAccountName },
                { name: "WORKBENCH_SPARK_IMAGE", value: IMAGES.spark },
            ],
            egress: [],
        };

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
                        placement: args.userPlacement,
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
