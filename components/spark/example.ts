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
    /** The workbench namespace, which the operator watches. */
    namespace: string;
    /** The identity-bound ServiceAccount the pods run as; the operator's Spark Role lets it start executors. */
    serviceAccountName: string;
    /** Labels workload identity needs on the pods. */
    podLabels: Record<string, string>;
    /** The workload account's environment (bucket, identity, credentials by reference). */
    env: SparkEnvVar[];
    /** The identity's plain environment by name, for the S3 settings Hadoop does not read from the environment. */
    identityEnv: Record<string, string>;
    /** The bucket's URL, when the stack has one. */
    bucketUrl?: string;
}

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
    const pod = (labels: Record<string, string>) => ({
        serviceAccount: input.serviceAccountName,
        ...nonEmpty({
            labels: { ...input.podLabels, ...labels },
            env: input.env,
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
            sparkConf: { ...access.sparkConf, ...(connectors?.sparkConf ?? {}) },
            restartPolicy: { type: "Never" },
            timeToLiveSeconds: 3600,
            // the driver creates the executors through the Kubernetes API; both run the job's code
            driver: { ...pod({ ...USER_CODE_LABELS, ...API_CLIENT_LABELS }), cores: 1, memory: "1g" },
            executor: { ...pod(USER_CODE_LABELS), instances: 2, cores: 1, memory: "2g" },
        },
    };
}
