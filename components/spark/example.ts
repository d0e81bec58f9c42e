import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { NodePool } from "../../providers/contract";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../labels";
import { connectorJars, SPARK_SECURITY_CONTEXT, sparkBucketAccess } from "./storage";
import { IMAGES, SPARK_VERSION } from "../versions";

/*
 * The example SparkApplication (docs/spark-example.md): a word count over a text file in the bucket,
 * running as the workload account on the user pool, reaching the bucket the way every Spark pod does
 * (spark-storage.ts).
 */

/** An environment variable of a Spark pod, resolved. */
export type SparkEnvVar = pulumi.Unwrap<k8s.types.input.core.v1.EnvVar>;

/** The object the bucket example reads. */
export const EXAMPLE_OBJECT = "examples/words.txt";

/** A file the Spark image ships, for stacks without a bucket. */
const IMAGE_FILE = "file:///opt/spark/examples/src/main/resources/people.txt";

/** What every Spark workload of the workbench runs as and reads, resolved where its manifest is built. */
export interface SparkWorkloadInput {
    /** The user namespace, which the operator watches. */
    namespace: string;
    /** The driver's identity-bound ServiceAccount; its Role (components/tenancy/roles.ts) lets it start executors, shaped by admission. */
    serviceAccountName: string;
    /** The executors' ServiceAccount: the notebooks' (no role, no token), the only one the admission policy lets the driver use. */
    executorServiceAccountName: string;
    /** Labels workload identity needs on the pods. */
    podLabels: Record<string, string>;
    /** The driver account's environment (bucket, identity, credentials by reference). */
    env: SparkEnvVar[];
    /** The executors' account's environment. */
    executorEnv: SparkEnvVar[];
    /** The identity's plain environment by name, for the S3 settings Hadoop does not read from the environment. */
    identityEnv: Record<string, string>;
    /** The bucket's URL, when the stack has one. */
    bucketUrl?: string;
}

/**
 * Driver and executors authenticate each other's RPC with a secret the driver generates per application and
 * hands its executors (apache/spark SecurityManager: generated automatically on Kubernetes), so another
 * user's pod reaching a driver's or executor's port cannot join or read it; traffic is encrypted too.
 */
export const SPARK_AUTHENTICATION_CONF: Readonly<Record<string, string>> = {
    "spark.authenticate": "true",
    "spark.network.crypto.enabled": "true",
};

/** What the example needs to know, resolved; without a bucket it counts a file shipped in the Spark image. */
export interface SparkExampleInput extends SparkWorkloadInput {
    /** Where the driver and executors run: its placement, and its nodes' architecture for the connector jars. */
    pool: NodePool;
}

/** The fields that hold something: the manifest stays as short as the platform allows. */
function nonEmpty(fields: Record<string, object>): Record<string, object> {
    return Object.fromEntries(Object.entries(fields).filter(([, value]) => Object.keys(value).length > 0));
}

/** The example SparkApplication. */
export function sparkExampleApplication(input: SparkExampleInput): Record<string, unknown> {
    const access = sparkBucketAccess(input.bucketUrl, input.identityEnv);
    const path = access.sparkUrl ? `${access.sparkUrl}/${EXAMPLE_OBJECT}` : IMAGE_FILE;
    const connectors = connectorJars(access.connectors, input.pool.architecture);
    const pod = (serviceAccount: string, env: SparkEnvVar[], labels: Record<string, string>) => ({
        serviceAccount,
        ...nonEmpty({
            labels: { ...input.podLabels, ...labels },
            env,
            nodeSelector: input.pool.placement.nodeSelector,
            tolerations: input.pool.placement.tolerations,
        }),
        ...(connectors ? { initContainers: [connectors.initContainer], volumeMounts: [connectors.volumeMount] } : {}),
        securityContext: SPARK_SECURITY_CONTEXT,
    });
    return {
        apiVersion: "sparkoperator.k8s.io/v1beta2",
        kind: "SparkApplication",
        metadata: { name: "bucket-word-count", namespace: input.namespace },
        spec: {
            type: "Scala",
            mode: "cluster",
            image: IMAGES.spark,
            sparkVersion: SPARK_VERSION,
            mainClass: "org.apache.spark.examples.JavaWordCount",
            mainApplicationFile: "local:///opt/spark/examples/jars/spark-examples.jar",
            arguments: [path],
            ...(connectors ? { volumes: [connectors.volume] } : {}),
            sparkConf: { ...access.sparkConf, ...(connectors?.sparkConf ?? {}), ...SPARK_AUTHENTICATION_CONF },
            restartPolicy: { type: "Never" },
            timeToLiveSeconds: 3600,
            // the driver creates the executors through the Kubernetes API; both run the job's code
            driver: { ...pod(input.serviceAccountName, input.env, { ...USER_CODE_LABELS, ...API_CLIENT_LABELS }), cores: 1, memory: "1g" },
            executor: {
                ...pod(input.executorServiceAccountName, input.executorEnv, USER_CODE_LABELS),
                // executors never call the API: no token (the admission policy refuses the pod otherwise)
                template: { spec: { automountServiceAccountToken: false } },
                instances: 2,
                cores: 1,
                memory: "2g",
            },
        },
    };
}
