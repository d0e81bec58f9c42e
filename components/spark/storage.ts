import type { CpuArchitecture } from "../../providers/contract";
import { IMAGES, ImageJars, PinnedJar, SchemeConnectors, SPARK_CONNECTORS } from "../versions";

/*
 * How every Spark pod (the Connect server, its executors, the example's driver and executors) reaches the
 * workbench's bucket: the Hadoop settings for each store's workload identity, and the connector jars, put
 * in place by an init container before Spark starts. Nothing is resolved at submit time (no `--packages`,
 * no Ivy): the jars are copied from a pinned image where one carries them and the node can run it, and
 * downloaded by exact URL and checked otherwise.
 */

/** Where the connector jars live in every Spark pod. */
export const SPARK_JARS_DIR = "/opt/workbench/jars";

/** The shared volume the init container fills and Spark reads. */
export const SPARK_JARS_VOLUME = "workbench-jars";

/** The Spark image runs as user 185; the operator's own examples harden pods this way. */
export const SPARK_SECURITY_CONTEXT = {
    runAsUser: 185,
    runAsGroup: 185,
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** What Spark needs to read and write the bucket. */
export interface SparkBucketAccess {
    /** The bucket as Spark addresses it (`s3a://bucket`, `gs://bucket`, `abfss://container@account.dfs.core.windows.net`), without a trailing slash. */
    sparkUrl?: string;
    /** The connector the bucket's scheme needs (none for a stack without a bucket, or a scheme Spark knows itself). */
    connectors?: SchemeConnectors;
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
 * How Spark reaches a bucket URL of the contract (`s3://bucket`, `gs://bucket`,
 * `abfs://container@account.dfs.core.windows.net/`). ADLS goes through `abfss://`, the TLS form: storage
 * accounts refuse plain HTTP. Other schemes pass through with no connector (Spark may know them itself).
 */
export function sparkBucketAccess(bucketUrl: string | undefined, identityEnv: Record<string, string>): SparkBucketAccess {
    if (!bucketUrl) return { sparkConf: {} };
    const match = /^([a-z0-9]+):\/\/(.+?)\/?$/.exec(bucketUrl);
    if (!match) return { sparkUrl: bucketUrl.replace(/\/$/, ""), sparkConf: {} };
    const [, scheme, rest] = match;
    switch (scheme) {
        case "s3":
            return { sparkUrl: `s3a://${rest}`, connectors: SPARK_CONNECTORS.s3, sparkConf: s3Conf(identityEnv) };
        case "gs":
            return { sparkUrl: `gs://${rest}`, connectors: SPARK_CONNECTORS.gs, sparkConf: gcsConf() };
        case "abfs":
        case "abfss":
            return { sparkUrl: `abfss://${rest}`, connectors: SPARK_CONNECTORS.az, sparkConf: abfsConf() };
        default:
            return { sparkUrl: `${scheme}://${rest}`, sparkConf: {} };
    }
}

/** Where a pod gets its connector jars: copied from a pinned image, or downloaded by pinned URL. */
export type ConnectorSource = { from: "image"; jars: ImageJars } | { from: "download"; jars: readonly PinnedJar[] };

/**
 * The source for a pod on nodes of `architecture`: the image where it carries the jars and is published for
 * those nodes, the download otherwise (also where the architecture is not known, as on an existing cluster:
 * the Spark image, which runs the download, is published for both).
 */
export function connectorSource(connectors: SchemeConnectors, architecture: CpuArchitecture | undefined): ConnectorSource {
    const image = connectors.image;
    if (image && architecture && image.platforms.includes(architecture)) return { from: "image", jars: image };
    return { from: "download", jars: connectors.download };
}

/** How the downloader retries a failed request (Maven Central answers 429 and 5xx under load). */
export interface FetchRetries {
    /** Attempts per request, the first included. */
    attempts: number;
    /** Seconds before the first retry; each next one waits twice as long. */
    firstDelaySeconds: number;
}

const FETCH_RETRIES: FetchRetries = { attempts: 4, firstDelaySeconds: 5 };

/**
 * The downloader: fetches each jar by its exact URL into `directory`, hashing as it writes, and checks its
 * SHA-256 (or, where the pin has none yet, Maven Central's published SHA-1 beside it, saying so), failing the
 * pod on a mismatch. Requests time out after a minute; 429s, 5xx and network errors are retried with a
 * doubling wait, other HTTP errors (a 404: a wrong pin) fail at once. Python's standard library only: it runs
 * in the Spark image; nothing is resolved, nothing else is downloaded.
 */
export function jarFetchScript(jars: readonly PinnedJar[], directory = SPARK_JARS_DIR, retries: FetchRetries = FETCH_RETRIES): string {
    const list = JSON.stringify(jars.map((jar) => ({ file: jar.file, url: jar.url, sha256: jar.sha256 ?? null })));
    return `import contextlib, hashlib, json, os, sys, time, urllib.error, urllib.request

def download(url, path=None):
    # the body, written to path (or kept, without one), and its digests; each attempt starts over
    for attempt in range(${retries.attempts}):
        digests, kept = {"sha256": hashlib.sha256(), "sha1": hashlib.sha1()}, []
        try:
            with urllib.request.urlopen(url, timeout=60) as response, (open(path, "wb") if path else contextlib.nullcontext()) as f:
                while True:
                    block = response.read(1 << 20)
                    if not block:
                        return digests, b"".join(kept)
                    for digest in digests.values():
                        digest.update(block)
                    f.write(block) if f else kept.append(block)
        except OSError as error:
            transient = not isinstance(error, urllib.error.HTTPError) or error.code == 429 or error.code >= 500
            if not transient or attempt == ${retries.attempts - 1}:
                sys.exit("%s: %s" % (url, error))
            print("retrying %s: %s" % (url, error), flush=True)
            time.sleep(${retries.firstDelaySeconds} * 2 ** attempt)

for jar in json.loads(${JSON.stringify(list)}):
    path = os.path.join(${JSON.stringify(directory)}, jar["file"])
    digests, _ = download(jar["url"], path)
    if jar["sha256"]:
        algorithm, expected = "sha256", jar["sha256"]
    else:
        algorithm, expected = "sha1", download(jar["url"] + ".sha1")[1].decode().split()[0]
        print("warning: no pinned SHA-256 for %s; checked against Maven Central's SHA-1" % jar["file"])
    if digests[algorithm].hexdigest() != expected:
        os.remove(path)
        sys.exit("%s: %s %s, expected %s" % (jar["file"], algorithm, digests[algorithm].hexdigest(), expected))
    print("fetched", jar["file"], flush=True)
`;
}

/** The init container that puts a source's jars into {@link SPARK_JARS_DIR}. */
function connectorInitContainer(source: ConnectorSource): Record<string, unknown> {
    const common = {
        volumeMounts: [{ name: SPARK_JARS_VOLUME, mountPath: SPARK_JARS_DIR }],
        securityContext: SPARK_SECURITY_CONTEXT,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    };
    if (source.from === "image") {
        const { image, directory, files } = source.jars;
        // a plain copy out of the image the node has cached: nothing leaves the cluster, and a missing file fails the pod by name
        return { name: "copy-connectors", image, command: ["cp", "-v", ...files.map((file) => `${directory}/${file}`), `${SPARK_JARS_DIR}/`], ...common };
    }
    return { name: "fetch-connectors", image: IMAGES.spark, command: ["python3", "-c", jarFetchScript(source.jars)], ...common };
}

/** The volume, its mount, the init container and the Spark settings that put the jars on the classpath. */
export interface ConnectorJars {
    /** The emptyDir the init container fills. */
    volume: { name: string; emptyDir: { sizeLimit: string } };
    /** Spark containers read the jars from here. */
    volumeMount: { name: string; mountPath: string; readOnly: boolean };
    /** Copies or downloads the jars before Spark starts. */
    initContainer: Record<string, unknown>;
    /** `spark.jars` and the class paths (Hadoop file systems load from the JVM's class path most reliably). */
    sparkConf: Record<string, string>;
}

/**
 * The connector jars of `connectors` in a pod on nodes of `architecture`, or nothing without a connector.
 * Both sources give the same file names, so pods of one application agree on `sparkConf` wherever they run.
 */
export function connectorJars(connectors: SchemeConnectors | undefined, architecture: CpuArchitecture | undefined): ConnectorJars | undefined {
    if (!connectors || connectors.download.length === 0) return undefined;
    const source = connectorSource(connectors, architecture);
    const sizeMB = connectors.download.reduce((sum, jar) => sum + jar.sizeMB, 0);
    const paths = connectors.download.map((jar) => `${SPARK_JARS_DIR}/${jar.file}`);
    return {
        volume: { name: SPARK_JARS_VOLUME, emptyDir: { sizeLimit: `${Math.ceil((sizeMB * 1.2) / 100) * 100}Mi` } },
        volumeMount: { name: SPARK_JARS_VOLUME, mountPath: SPARK_JARS_DIR, readOnly: true },
        initContainer: connectorInitContainer(source),
        sparkConf: {
            "spark.jars": paths.map((path) => `local://${path}`).join(","),
            "spark.driver.extraClassPath": paths.join(":"),
            "spark.executor.extraClassPath": paths.join(":"),
        },
    };
}
