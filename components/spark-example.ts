import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { NodePlacement } from "../providers/contract";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "./labels";
import { IMAGES, PinnedJar, SPARK_CONNECTOR_JARS, SPARK_VERSION } from "./versions";

/*
 * How Spark pods reach the workbench's bucket (the connector jars, fetched by pinned URL and checked,
 * and the Hadoop settings for each store's workload identity), and the example SparkApplication
 * (docs/spark-example.md): a word count over a text file in the bucket, running as the workload
 * account on the user pool. The Spark Connect server (spark-connect.ts) uses the same bucket access.
 */

/** An environment variable of a Spark pod, resolved. */
export type SparkEnvVar = pulumi.Unwrap<k8s.types.input.core.v1.EnvVar>;

/** Where the fetched connector jars live in every Spark pod. */
export const SPARK_JARS_DIR = "/opt/workbench/jars";

/** The shared volume the fetcher fills and Spark reads. */
export const SPARK_JARS_VOLUME = "workbench-jars";

/** The object the bucket example reads. */
export const EXAMPLE_OBJECT = "examples/words.txt";

/** A file the Spark image ships, for stacks without a bucket. */
const IMAGE_FILE = "file:///opt/spark/examples/src/main/resources/people.txt";

/** What Spark needs to read and write the bucket. */
export interface SparkBucketAccess {
    /** The bucket as Spark addresses it (`s3a://bucket`, `gs://bucket`, `abfss://container@account.dfs.core.windows.net`), without a trailing slash. */
    sparkUrl?: string;
    /** The connector jars to fetch (none for a stack without a bucket). */
    jars: readonly PinnedJar[];
    /** Spark and Hadoop settings for the store's workload identity. */
    sparkConf: Record<string, string>;
}

/**
 * S3A: the AWS SDK's default chain finds IRSA's web identity token, Pod Identity or an
 * S3-compatible store's keys (AWS_ACCESS_KEY_ID from the Secret); an S3-compatible endpoint and its
 * path-style addressing come from the identity's environment, which Hadoop does not read itself.
 */
function s3Conf(env: Record<string, string>): Record<string, string> {
    return {
        "spark.hadoop.fs.s3a.aws.credentials.provider": "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
        ...(env["AWS_ENDPOINT_URL_S3"] ? { "spark.hadoop.fs.s3a.endpoint": env["AWS_ENDPOINT_URL_S3"] } : {}),
        ...(env["AWS_REGION"] ? { "spark.hadoop.fs.s3a.endpoint.region": env["AWS_REGION"] } : {}),
        ...(env["AWS_S3_ADDRESSING_STYLE"] === "path" ? { "spark.hadoop.fs.s3a.path.style.access": "true" } : {}),
    };
}

/**
 * GCS: the connector's default authentication (the VM's credentials, from the metadata server) is
 * what GKE Workload Identity answers for the pod's Kubernetes ServiceAccount, so none is configured.
 */
function gcsConf(): Record<string, string> {
    return {
        "spark.hadoop.fs.gs.impl": "com.google.cloud.hadoop.fs.gcs.GoogleHadoopFileSystem",
        "spark.hadoop.fs.AbstractFileSystem.gs.impl": "com.google.cloud.hadoop.fs.gcs.GoogleHadoopFS",
    };
}

/**
 * ABFS with Azure Workload Identity: hadoop-azure's WorkloadIdentityTokenProvider exchanges the
 * federated token the webhook projects into the pod; Hadoop expands `${env.NAME}` from the variables
 * the webhook injects (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE).
 */
function abfsConf(): Record<string, string> {
    return {
        "spark.hadoop.fs.azure.account.auth.type": "OAuth",
        "spark.hadoop.fs.azure.account.oauth.provider.type": "org.apache.hadoop.fs.azurebfs.oauth2.WorkloadIdentityTokenProvider",
        "spark.hadoop.fs.azure.account.oauth2.msi.tenant": "${env.AZURE_TENANT_ID}",
        "spark.hadoop.fs.azure.account.oauth2.client.id": "${env.AZURE_CLIENT_ID}",
        "spark.hadoop.fs.azure.account.oauth2.token.file": "${env.AZURE_FEDERATED_TOKEN_FILE}",
    };
}

/**
 * How Spark reaches a bucket URL of the contract (`s3://`, `gs://`, `az://account/container`).
 * Other schemes pass through with no connector (Spark may know them itself).
 */
export function sparkBucketAccess(bucketUrl: string | undefined, identityEnv: Record<string, string>): SparkBucketAccess {
    if (!bucketUrl) return { jars: [], sparkConf: {} };
    const match = /^([a-z0-9]+):\/\/(.+?)\/?$/.exec(bucketUrl);
    if (!match) return { sparkUrl: bucketUrl.replace(/\/$/, ""), jars: [], sparkConf: {} };
    const [, scheme, rest] = match;
    switch (scheme) {
        case "s3":
            return { sparkUrl: `s3a://${rest}`, jars: SPARK_CONNECTOR_JARS.s3, sparkConf: s3Conf(identityEnv) };
        case "gs":
            return { sparkUrl: `gs://${rest}`, jars: SPARK_CONNECTOR_JARS.gs, sparkConf: gcsConf() };
        case "az": {
            const [account, container] = rest.split("/");
            return {
                sparkUrl: container ? `abfss://${container}@${account}.dfs.core.windows.net` : `abfss://${account}`,
                jars: SPARK_CONNECTOR_JARS.az,
                sparkConf: abfsConf(),
            };
        }
        default:
            return { sparkUrl: `${scheme}://${rest}`, jars: [], sparkConf: {} };
    }
}

/**
 * The fetcher: downloads each jar by its exact URL and checks its SHA-256 (or, where the pin has
 * none yet, Maven Central's published SHA-1 beside it, saying so), failing the pod on a mismatch.
 * Python is in the Spark image; nothing is resolved, nothing else is downloaded.
 */
export function jarFetchScript(jars: readonly PinnedJar[]): string {
    const list = JSON.stringify(jars.map((jar) => ({ file: jar.file, url: jar.url, sha256: jar.sha256 ?? null })));
    return `import hashlib, json, os, sys, urllib.request
for jar in json.loads(${JSON.stringify(list)}):
    path = os.path.join(${JSON.stringify(SPARK_JARS_DIR)}, jar["file"])
    urllib.request.urlretrieve(jar["url"], path)
    if jar["sha256"]:
        algorithm, expected = "sha256", jar["sha256"]
    else:
        algorithm = "sha1"
        expected = urllib.request.urlopen(jar["url"] + ".sha1").read().decode().split()[0]
        print("warning: no pinned SHA-256 for %s; checked against Maven Central's SHA-1" % jar["file"])
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        sys.exit("%s: %s %s, expected %s" % (jar["file"], algorithm, digest.hexdigest(), expected))
    print("fetched", jar["file"])
`;
}

/** The Spark image runs as user 185; the operator's own examples harden pods this way. */
export const SPARK_SECURITY_CONTEXT = {
    runAsUser: 185,
    runAsGroup: 185,
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** The volume, its mount, the init container and the Spark settings that put the jars on the classpath. */
export interface JarFetch {
    volume: { name: string; emptyDir: { sizeLimit: string } };
    volumeMount: { name: string; mountPath: string; readOnly: boolean };
    initContainer: Record<string, unknown>;
    /** `spark.jars` and the class paths (Hadoop file systems load from the JVM's class path most reliably). */
    sparkConf: Record<string, string>;
}

/** Fetching `jars` into every pod that runs Spark, or nothing when there are none. */
export function jarFetch(jars: readonly PinnedJar[]): JarFetch | undefined {
    if (jars.length === 0) return undefined;
    const sizeMB = jars.reduce((sum, jar) => sum + jar.sizeMB, 0);
    const paths = jars.map((jar) => `${SPARK_JARS_DIR}/${jar.file}`);
    return {
        volume: { name: SPARK_JARS_VOLUME, emptyDir: { sizeLimit: `${Math.ceil((sizeMB * 1.2) / 100) * 100}Mi` } },
        volumeMount: { name: SPARK_JARS_VOLUME, mountPath: SPARK_JARS_DIR, readOnly: true },
        initContainer: {
            name: "fetch-connectors",
            image: IMAGES.spark,
            command: ["python3", "-c", jarFetchScript(jars)],
            volumeMounts: [{ name: SPARK_JARS_VOLUME, mountPath: SPARK_JARS_DIR }],
            securityContext: SPARK_SECURITY_CONTEXT,
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        },
        sparkConf: {
            "spark.jars": paths.map((path) => `local://${path}`).join(","),
            "spark.driver.extraClassPath": paths.join(":"),
            "spark.executor.extraClassPath": paths.join(":"),
        },
    };
}

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

/** The fields that hold something: the manifest stays as short as the platform allows. */
function nonEmpty(fields: Record<string, object>): Record<string, object> {
    return Object.fromEntries(Object.entries(fields).filter(([, value]) => Object.keys(value).length > 0));
}

/** The example SparkApplication. */
export function sparkExampleApplication(input: SparkExampleInput): Record<string, unknown> {
    const access = sparkBucketAccess(input.bucketUrl, input.identityEnv);
    const path = access.sparkUrl ? `${access.sparkUrl}/${EXAMPLE_OBJECT}` : IMAGE_FILE;
    const fetch = jarFetch(access.jars);
    const pod = (labels: Record<string, string>) => ({
        serviceAccount: input.serviceAccountName,
        ...nonEmpty({
            labels: { ...input.podLabels, ...labels },
            env: input.env,
            nodeSelector: input.placement.nodeSelector,
            tolerations: input.placement.tolerations,
        }),
        ...(fetch ? { initContainers: [fetch.initContainer], volumeMounts: [fetch.volumeMount] } : {}),
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
            ...(fetch ? { volumes: [fetch.volume] } : {}),
            sparkConf: { ...access.sparkConf, ...(fetch?.sparkConf ?? {}) },
            restartPolicy: { type: "Never" },
            timeToLiveSeconds: 3600,
            // the driver creates the executors through the Kubernetes API; both run the job's code
            driver: { ...pod({ ...USER_CODE_LABELS, ...API_CLIENT_LABELS }), cores: 1, memory: "1g" },
            executor: { ...pod(USER_CODE_LABELS), instances: 2, cores: 1, memory: "2g" },
        },
    };
}
