import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { NodePlacement } from "../providers/contract";
import { HADOOP_AWS_PACKAGE, IMAGES, SPARK_VERSION } from "./versions";

/*
 * The example SparkApplication (docs/spark-example.md): a word count over a text file in the
 * bucket, running as the workload account on the user pool. Built from the stack's own values so
 * `pulumi stack output sparkExample | kubectl apply -f -` runs it on any platform.
 */

/** An environment variable of a Spark pod, resolved. */
export type SparkEnvVar = pulumi.Unwrap<k8s.types.input.core.v1.EnvVar>;

/** What the example needs to know, resolved. */
export interface SparkExampleInput {
    /** The workbench namespace, which the operator watches. */
    namespace: string;
    /** The identity-bound ServiceAccount drivers and executors run as. */
    serviceAccountName: string;
    /** Labels workload identity needs on the pods. */
    podLabels: Record<string, string>;
    /** The workload account's environment (bucket, identity, credentials by reference). */
    env: SparkEnvVar[];
    /** The identity's plain environment by name, for the S3 settings Hadoop does not read from the environment. */
    identityEnv: Record<string, string>;
    /** Driver and executors go here. */
    placement: NodePlacement;
    /** The bucket's URL; without one the example counts a file shipped in the Spark image. */
    bucketUrl?: string;
}

/** The object the bucket example reads. */
export const EXAMPLE_OBJECT = "examples/words.txt";

/** A file the Spark image ships, for stacks without a bucket. */
const IMAGE_FILE = "file:///opt/spark/examples/src/main/resources/people.txt";

/** How Spark reads a bucket URL scheme: the Hadoop scheme, the connector and its settings. */
interface HadoopFilesystem {
    scheme: string;
    packages: string[];
    sparkConf(identityEnv: Record<string, string>): Record<string, string>;
}

/**
 * Hadoop connectors by bucket URL scheme. `s3` covers AWS and S3-compatible stores: the AWS SDK's
 * default chain finds IRSA, Pod Identity or key-pair credentials, and a custom endpoint comes from
 * the standard AWS environment variables. Other schemes have no connector here yet.
 */
const FILESYSTEMS: Readonly<Record<string, HadoopFilesystem>> = {
    s3: {
        scheme: "s3a",
        packages: [HADOOP_AWS_PACKAGE],
        sparkConf: (env) => ({
            "spark.hadoop.fs.s3a.aws.credentials.provider": "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
            ...(env["AWS_ENDPOINT_URL_S3"] ? { "spark.hadoop.fs.s3a.endpoint": env["AWS_ENDPOINT_URL_S3"] } : {}),
            ...(env["AWS_REGION"] ? { "spark.hadoop.fs.s3a.endpoint.region": env["AWS_REGION"] } : {}),
            ...(env["AWS_S3_ADDRESSING_STYLE"] === "path" ? { "spark.hadoop.fs.s3a.path.style.access": "true" } : {}),
        }),
    },
};

/** Where the example reads, and what Spark needs for it. */
function source(input: SparkExampleInput): { path: string; packages: string[]; sparkConf: Record<string, string> } {
    if (!input.bucketUrl) return { path: IMAGE_FILE, packages: [], sparkConf: {} };
    const match = /^([a-z0-9]+):\/\/(.+?)\/?$/.exec(input.bucketUrl);
    const filesystem = match ? FILESYSTEMS[match[1]] : undefined;
    if (!match || !filesystem) return { path: `${input.bucketUrl.replace(/\/$/, "")}/${EXAMPLE_OBJECT}`, packages: [], sparkConf: {} };
    return {
        path: `${filesystem.scheme}://${match[2]}/${EXAMPLE_OBJECT}`,
        packages: filesystem.packages,
        sparkConf: filesystem.sparkConf(input.identityEnv),
    };
}

/** The Spark image runs as user 185; the operator's own examples harden pods this way. */
const SECURITY_CONTEXT = {
    runAsUser: 185,
    runAsGroup: 185,
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** The fields that hold something: the manifest stays as short as the platform allows. */
function nonEmpty(fields: Record<string, object>): Record<string, object> {
    return Object.fromEntries(Object.entries(fields).filter(([, value]) => Object.keys(value).length > 0));
}

/** The example SparkApplication. */
export function sparkExampleApplication(input: SparkExampleInput): Record<string, unknown> {
    const { path, packages, sparkConf } = source(input);
    const pod = {
        serviceAccount: input.serviceAccountName,
        ...nonEmpty({
            labels: input.podLabels,
            env: input.env,
            nodeSelector: input.placement.nodeSelector,
            tolerations: input.placement.tolerations,
        }),
        securityContext: SECURITY_CONTEXT,
    };
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
            ...(packages.length > 0 ? { deps: { packages } } : {}),
            // the image's home is not writable: resolve packages in /tmp
            sparkConf: { "spark.jars.ivy": "/tmp/.ivy2", ...sparkConf },
            restartPolicy: { type: "Never" },
            timeToLiveSeconds: 3600,
            driver: { ...pod, cores: 1, memory: "1g" },
            executor: { ...pod, instances: 2, cores: 1, memory: "2g" },
        },
    };
}
