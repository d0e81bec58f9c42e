import * as k8s from "@pulumi/kubernetes";
import { SPARK_OPERATOR_CRD_NAMES, upgradeChartCrds } from "../cluster/crds";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { NodePool } from "../../providers/contract";
import { chartRelease } from "../helm/release";
import { ServiceConnection } from "../service-connection";
import { personalConnectConnection } from "./connect";
import { EXECUTOR_TEMPLATE_KEY, executorPodTemplate, personalConnectHook, personalConnectPod } from "./personal-connect";
import { PLATFORM_OBJECT_LABELS } from "../tenancy/zones";
import { sparkExampleApplication } from "./example";
import { CHARTS } from "../versions";

/** The ConfigMap holding the example SparkApplication. */
export const SPARK_EXAMPLE_CONFIGMAP = "spark-example";

/** The example's key in {@link SPARK_EXAMPLE_CONFIGMAP}. */
export const SPARK_EXAMPLE_KEY = "bucket-word-count.yaml";

/** Arguments of {@link SparkOperator}. */
export interface SparkOperatorArgs {
    /** The platform namespace: the operator's controller and webhook run there. */
    namespace: string;
    /** The user namespace: Spark drivers and executors run there, and the operator watches it. */
    jobNamespace: string;
    /** The drivers' identity-bound ServiceAccount (its Role is declared in components/tenancy/roles.ts). */
    serviceAccountName: string;
    /** The executors' ServiceAccount (the notebooks': no role, no token). */
    executorServiceAccountName: string;
    /** Labels workload identity needs on the pods. */
    podLabels: Record<string, string>;
    /** The driver account's environment. */
    env: k8s.types.input.core.v1.EnvVar[];
    /** The executors' account's environment. */
    executorEnv: k8s.types.input.core.v1.EnvVar[];
    /** The identity's plain environment by name. */
    identityEnv: Record<string, pulumi.Input<string>>;
    /** The bucket the example reads. */
    bucketUrl?: pulumi.Input<string>;
    /** Where the operator runs. */
    systemPool: NodePool;
    /** Where the example's driver, the executors and the personal Connect servers run. */
    userPool: NodePool;
    /** Spark from notebooks: a personal Spark Connect server beside each Spark profile's server (`workbench:services.spark.connectServer`). */
    connectServer: boolean;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** What the operator and the jobs need first (namespace, ServiceAccount). */
    dependsOn: pulumi.Resource[];
}

/**
 * The Kubeflow Spark operator in the platform namespace, watching only the user namespace. Its chart
 * creates no ServiceAccount and no Role for jobs (`spark.serviceAccount.create`, `spark.rbac.create` false):
 * the driver account and its Role are declared by the workbench (components/tenancy/roles.ts), and what the
 * driver creates is shaped by the admission policy (components/tenancy/admission.ts).
 */
export class SparkOperator extends pulumi.ComponentResource {
    /** What notebooks learn about Spark (the client package, an example); absent without Spark from notebooks. */
    readonly connection?: ServiceConnection;
    /** The hub's hook that gives the Spark profile's servers their own Connect server (Python); absent without it. */
    readonly hubHook?: pulumi.Output<string>;
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
                        jobNamespaces: [args.jobNamespace],
                        // the chart's Role would grant pods, ConfigMaps, claims and Services with every verb
                        // (kubeflow/spark-operator@v2.5.2 charts/spark-operator-chart/templates/spark/rbac.yaml)
                        serviceAccount: { create: false, name: args.serviceAccountName },
                        rbac: { create: false },
                    },
                },
                provider: args.provider,
                dependsOn: args.dependsOn,
            },
            this,
        );
        // Helm never upgrades a chart's crds/ folder: a Job per chart version does (cluster/crds.ts)
        upgradeChartCrds(
            name,
            { chart: CHARTS.sparkOperator, crdNames: SPARK_OPERATOR_CRD_NAMES, namespace: args.namespace, placement: args.systemPool.placement, provider: args.provider, release },
            this,
        );

        if (args.connectServer) {
            // one Spark Connect server per person, beside their notebook (personal-connect.ts): nothing always on
            const templateConfigMap = "spark-executor-template";
            const input = pulumi
                .all([pulumi.output(args.env), pulumi.output(args.executorEnv), pulumi.output(args.identityEnv), pulumi.output(args.bucketUrl)])
                .apply(([env, executorEnv, identityEnv, bucketUrl]) => ({
                    namespace: args.jobNamespace,
                    serviceAccountName: args.serviceAccountName,
                    executorServiceAccountName: args.executorServiceAccountName,
                    podLabels: args.podLabels,
                    env,
                    executorEnv,
                    identityEnv,
                    bucketUrl,
                    userPool: args.userPool,
                    templateConfigMap,
                }));
            new k8s.core.v1.ConfigMap(
                `${name}-executor-template`,
                {
                    // marked as the platform's: the drivers it configures may not change it (components/tenancy/admission.ts)
                    metadata: { name: templateConfigMap, namespace: args.jobNamespace, labels: { ...PLATFORM_OBJECT_LABELS } },
                    data: { [EXECUTOR_TEMPLATE_KEY]: input.apply((resolved) => stringify(executorPodTemplate(resolved), { aliasDuplicateObjects: false })) },
                },
                { parent: this, provider: args.provider, dependsOn: args.dependsOn },
            );
            this.hubHook = input.apply((resolved) => personalConnectHook(personalConnectPod(resolved)));
            this.connection = personalConnectConnection();
        }

        const manifest = pulumi
            .all([pulumi.output(args.env), pulumi.output(args.executorEnv), pulumi.output(args.identityEnv), pulumi.output(args.bucketUrl)])
            .apply(([env, executorEnv, identityEnv, bucketUrl]) =>
                stringify(
                    sparkExampleApplication({
                        namespace: args.jobNamespace,
                        serviceAccountName: args.serviceAccountName,
                        executorServiceAccountName: args.executorServiceAccountName,
                        executorEnv,
                        // the example adds the user-code label to both, the API-client label to the driver alone
                        podLabels: args.podLabels,
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
            { metadata: { name: SPARK_EXAMPLE_CONFIGMAP, namespace: args.jobNamespace }, data: { [SPARK_EXAMPLE_KEY]: manifest } },
            { parent: this, provider: args.provider, dependsOn: args.dependsOn },
        );
        this.exampleCommand = `kubectl -n ${args.jobNamespace} get configmap ${SPARK_EXAMPLE_CONFIGMAP} -o jsonpath='{.data.${SPARK_EXAMPLE_KEY.replace(/\./g, "\\.")}}' | kubectl apply -f -`;
        this.registerOutputs({ exampleCommand: this.exampleCommand });
    }
}
