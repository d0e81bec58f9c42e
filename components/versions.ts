import type { CpuArchitecture } from "../providers/contract";

/*
 * The one place where the shared layer's chart repositories, chart versions and default images
 * are pinned: an upgrade is a one-line reviewed change here (and the tests then validate the
 * values against the new chart's reference data, found by the version below).
 */

/** A Helm chart at an exact version in its repository. */
export interface ChartPin {
    /** Chart repository URL. */
    repo: string;
    /** Chart name in the repository. */
    chart: string;
    /** Exact chart version. */
    version: string;
}

/** The charts the shared layer installs. */
export const CHARTS = {
    /** Zero to JupyterHub: JupyterHub 5.5, KubeSpawner 7, oauthenticator 17.4, nativeauthenticator 1.3. */
    jupyterhub: { repo: "https://hub.jupyter.org/helm-chart/", chart: "jupyterhub", version: "4.4.0" },
    /** Dask Gateway server, controller and its Traefik proxy (server 2026.3.0). */
    daskGateway: { repo: "https://helm.dask.org/", chart: "dask-gateway", version: "2026.3.0" },
    /** Kubeflow Spark operator (controller 2.5.2; its own examples run Spark 4.0.4). */
    sparkOperator: { repo: "https://kubeflow.github.io/spark-operator", chart: "spark-operator", version: "2.5.2" },
    /** NVIDIA's device plugin, for clouds that install GPU drivers but not the plugin. */
    nvidiaDevicePlugin: { repo: "https://nvidia.github.io/k8s-device-plugin", chart: "nvidia-device-plugin", version: "0.20.0" },
    /** kubernetes/autoscaler's cluster-autoscaler (app 1.34.2 by default; the image follows the cluster's minor, below). */
    clusterAutoscaler: { repo: "https://kubernetes.github.io/autoscaler", chart: "cluster-autoscaler", version: "9.53.0" },
} as const satisfies Record<string, ChartPin>;

/**
 * cluster-autoscaler must match the cluster's Kubernetes minor version; the latest patch of each
 * minor the project supports. A minor missing here keeps the chart's own image (and the plan warns).
 */
export const CLUSTER_AUTOSCALER_IMAGE_TAGS: Readonly<Record<string, string>> = {
    "1.32": "v1.32.7",
    "1.33": "v1.33.6",
    "1.34": "v1.34.5",
    "1.35": "v1.35.2",
    // kubernetes/autoscaler tag cluster-autoscaler-1.36.1 (aws.md review §4)
    "1.36": "v1.36.1",
};

/**
 * Default images. The notebook images also run the Dask schedulers and workers, so client and
 * cluster share one environment (dask, distributed, cloudpickle must match); both Pangeo tags come
 * from the same release, so a CPU notebook can drive GPU workers and the reverse. Every image a
 * notebook profile offers is listed here (test/first-hour.test.ts holds the profile list to that).
 * Sizes are the compressed download a node from zero pulls before a server starts: approximate, to
 * the nearest GB or so, not measured from here (no registry access); they are what makes a first
 * start slow, and the spawn page says so.
 */
export const IMAGES = {
    /**
     * Pangeo's notebook ("Dask / PyData"): JupyterLab 4.5, jupyterhub-singleuser 5.4, dask/distributed
     * 2026.1.1, dask-gateway 2025.4.0 (client; protocol-compatible with the 2026.3.0 server, whose
     * changes are server-side), s3fs/gcsfs/adlfs, xarray, awscli. About 2 GB compressed.
     */
    notebook: "docker.io/pangeo/pangeo-notebook:2026.01.30",
    /** Pangeo's PyTorch notebook ("GPU deep learning"): the same environment plus PyTorch 2.10 on CUDA 12.9. About 7 GB compressed. */
    gpuNotebook: "docker.io/pangeo/pytorch-notebook:2026.01.30",
    /**
     * Jupyter Docker Stacks' PySpark notebook ("Spark"): Spark 4.0.1 with its full pyspark (the Spark
     * Connect client included: grpcio, pandas, pyarrow), Java 17. About 1.8 GB compressed. Its Spark
     * 4.0.1 client talks to the 4.0.4 Connect server (Spark Connect is compatible within a minor).
     */
    sparkNotebook: "quay.io/jupyter/pyspark-notebook:spark-4.0.1",
    /**
     * Apache Spark for the Spark Connect server, its executors and the example SparkApplication: the
     * version the pinned operator is built on and tested with. It carries python3, which the connector
     * fetcher (an init container) uses to download and verify jars. About 0.5 GB compressed.
     */
    spark: "docker.io/apache/spark:4.0.4",
    /**
     * Apache Hadoop's own release image at the Hadoop release inside {@link IMAGES.spark}
     * ({@link SPARK_HADOOP_VERSION}), built from the full binary tarball (929 MB; the `-lean` one, 471 MB,
     * leaves out the AWS SDK bundle): its `share/hadoop/tools/lib` carries hadoop-aws, the AWS SDK v2 bundle
     * it is built against and hadoop-azure. Spark pods copy those connectors from it in an init container,
     * so they come with a pinned image the node caches, not a download per pod. Published for linux/amd64
     * only (Apache's multi-arch Hadoop images start with 3.4.2, HADOOP-19723); pods on Arm nodes, or on nodes
     * of unknown architecture, download the same files instead ({@link SPARK_CONNECTORS}). About 2 GB unpacked.
     */
    hadoop: "docker.io/apache/hadoop:3.4.1",
    /**
     * rclone for a move's transfer Job (docs/move.md): the release whose backends' options providers/move.ts names
     * (tag v1.75.0 of rclone/rclone; its image runs `rclone` as entrypoint and carries the unprivileged user 1009).
     */
    rclone: "docker.io/rclone/rclone:1.75.0",
    /**
     * Helm, to read a pinned chart's `crds/` folder (`helm show crds`) for the CRD upgrade Job
     * (components/cluster/crds.ts): the Helm 3 line the charts are published for.
     */
    helm: "docker.io/alpine/helm:3.19.0",
    /** kubectl, the Kubernetes project's own image, to server-side apply those CRDs (its entrypoint is kubectl). */
    kubectl: "registry.k8s.io/kubectl:v1.35.0",
} as const;

/**
 * The Hadoop release Spark 4.0's client is built on (the Spark image's `hadoop-client-api` and
 * `hadoop-client-runtime`); a Hadoop connector must come from exactly this release.
 */
export const SPARK_HADOOP_VERSION = "3.4.1";

/**
 * Google's GCS connector for Hadoop, on the line built against Spark's Hadoop line: 4.0.x builds against Hadoop
 * 3.4 (`<hadoop.version>` 3.4.2 in GoogleCloudDataproc/hadoop-connectors `pom.xml` at tag v4.0.4, 2026-03-26),
 * 3.0.x against 3.3.6. Its SHA-256 is not pinned (no copy of the jar was reachable when it was chosen), like the
 * other downloaded jars here.
 */
export const GCS_CONNECTOR = { version: "4.0.4", hadoopVersion: "3.4.2" } as const;

/** Spark version of {@link IMAGES.spark}, as a SparkApplication and a SparkConnect declare it. */
export const SPARK_VERSION = "4.0.4";

/**
 * The Spark Connect client notebooks need (pure Python, no JVM; pip pulls grpcio, pandas, pyarrow):
 * the server's version. Installed once per home where the image lacks pyspark (the Spark image has it).
 */
export const SPARK_CONNECT_CLIENT = `pyspark-client==${SPARK_VERSION}`;

/** A jar fetched by exact URL into the Spark pods (no dependency resolution at submit time). */
export interface PinnedJar {
    /** File name in the shared jar directory. */
    file: string;
    /** Exact Maven Central URL. */
    url: string;
    /**
     * SHA-256 of the file, checked before Spark sees it; `undefined` where it could not be verified
     * when this pin was written (no network to Maven Central then): the fetcher then checks the jar
     * against Maven Central's own published `.sha1` beside it and says so in the pod's log. Fill the
     * SHA-256 in (`curl -sL <url> | sha256sum`) to pin the content itself.
     */
    sha256: string | undefined;
    /** Approximate size, MB: what each Spark pod downloads at start. */
    sizeMB: number;
}

/** Connector jars inside a pinned image, which Spark pods copy from it. */
export interface ImageJars {
    /** The image (one of {@link IMAGES}). */
    image: string;
    /** The directory holding the jars in that image. */
    directory: string;
    /** The jars, by file name: the same names as the scheme's downloads, so Spark's settings do not depend on the source. */
    files: readonly string[];
    /** The architectures the image is published for; pods on other nodes download instead. */
    platforms: readonly CpuArchitecture[];
}

/** Where a bucket scheme's connector comes from. */
export interface SchemeConnectors {
    /** A pinned image that carries the jars: what every pod on a node the image runs on uses. */
    image?: ImageJars;
    /** The same jars by exact URL: for nodes the image is not built for, and for schemes no image carries. */
    download: readonly PinnedJar[];
}

const maven = (path: string, file: string, sizeMB: number): PinnedJar => ({ file, url: `https://repo1.maven.org/maven2/${path}/${file}`, sha256: undefined, sizeMB });

/** Where Apache's Hadoop image keeps the connectors (the tarball's `share/hadoop/tools/lib`, under `/opt/hadoop`). */
const HADOOP_TOOLS_LIB = "/opt/hadoop/share/hadoop/tools/lib";

/**
 * Hadoop connectors by bucket URL scheme, matching the Hadoop client inside {@link IMAGES.spark}. Apache's
 * Hadoop image carries S3A and ABFS; no maintained image carries Google's GCS connector for Hadoop 3.4, so
 * it is always downloaded (40 MB).
 */
export const SPARK_CONNECTORS: Readonly<Record<"s3" | "gs" | "az", SchemeConnectors>> = {
    /** S3A: hadoop-aws and the AWS SDK v2 bundle it is built against (2.24.6 for Hadoop 3.4.1). */
    s3: {
        image: { image: IMAGES.hadoop, directory: HADOOP_TOOLS_LIB, files: [`hadoop-aws-${SPARK_HADOOP_VERSION}.jar`, "bundle-2.24.6.jar"], platforms: ["amd64"] },
        download: [
            maven(`org/apache/hadoop/hadoop-aws/${SPARK_HADOOP_VERSION}`, `hadoop-aws-${SPARK_HADOOP_VERSION}.jar`, 1),
            maven("software/amazon/awssdk/bundle/2.24.6", "bundle-2.24.6.jar", 560),
        ],
    },
    /** GCS: Google's shaded connector (its own dependencies relocated inside); auth from the metadata server. */
    gs: { download: [maven(`com/google/cloud/bigdataoss/gcs-connector/${GCS_CONNECTOR.version}`, `gcs-connector-${GCS_CONNECTOR.version}-shaded.jar`, 40)] },
    /** ABFS: hadoop-azure (WorkloadIdentityTokenProvider since Hadoop 3.4.0). */
    az: {
        image: { image: IMAGES.hadoop, directory: HADOOP_TOOLS_LIB, files: [`hadoop-azure-${SPARK_HADOOP_VERSION}.jar`], platforms: ["amd64"] },
        download: [maven(`org/apache/hadoop/hadoop-azure/${SPARK_HADOOP_VERSION}`, `hadoop-azure-${SPARK_HADOOP_VERSION}.jar`, 1)],
    },
};

/** Charts of the data services (components/services/). */
export const SERVICE_CHARTS = {
    /** CloudNativePG operator 1.30.0: the last minor with in-tree Barman Cloud backups (its webhook: removed in 1.31.0; postgres.ts warns). */
    cloudnativePg: { repo: "https://cloudnative-pg.github.io/charts", chart: "cloudnative-pg", version: "0.29.0" },
    /** OpenSearch 3.6.0, single node. */
    opensearch: { repo: "https://opensearch-project.github.io/helm-charts/", chart: "opensearch", version: "3.6.0" },
    /** KubeRay operator v1.7.0. */
    kuberayOperator: { repo: "https://ray-project.github.io/kuberay-helm/", chart: "kuberay-operator", version: "1.7.0" },
    /**
     * Argo Workflows 4.0.6 (controller and server; Apache-2.0). Read at argoproj/argo-helm af0a9310
     * (charts/argo-workflows, chart 1.0.18): values.yaml and the full CRDs the chart installs by a hook Job.
     */
    argoWorkflows: { repo: "https://argoproj.github.io/argo-helm", chart: "argo-workflows", version: "1.0.18" },
} as const satisfies Record<string, ChartPin>;

/** Images of the data services; none from the retired free Bitnami catalog. */
export const SERVICE_IMAGES = {
    /** CloudNativePG's PostgreSQL 18 `system` image (barman-cloud inside, for in-tree backups); the operator's default operand. */
    postgres: "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie",
    /** MariaDB 11.8 LTS (the default of mariadb-operator 26.6.0). */
    mariadb: "docker.io/library/mariadb:11.8.8",
    /** MongoDB Community 8.0 (SSPL-1.0). */
    mongodb: "docker.io/library/mongo:8.0.29",
    /** OpenSearch, the chart's appVersion. */
    opensearch: "docker.io/opensearchproject/opensearch:3.6.0",
    /** Elasticsearch 9.5 (AGPL-3.0 / SSPL-1.0 / ELv2). */
    elasticsearch: "docker.elastic.co/elasticsearch/elasticsearch:9.5.2",
    /** Apache Cassandra 5.0. */
    cassandra: "docker.io/library/cassandra:5.0.9",
    /** OrientDB 3.2, the last maintained line of the official image. */
    orientdb: "docker.io/library/orientdb:3.2.55",
    /** Ray for CPU nodes, Python 3.12 like the notebook image (Ray Client needs the same Python minor). */
    ray: "docker.io/rayproject/ray:2.60.0-py312",
    /** Ray with CUDA, for GPU worker groups. */
    rayGpu: "docker.io/rayproject/ray:2.60.0-py312-gpu",
    /** MLflow's official image with database drivers and cloud storage clients. */
    mlflow: "ghcr.io/mlflow/mlflow:v3.18.0-full",
    /** z2jh 4.4.0's hub image: it carries jupyterhub's service-auth library for the MLflow UI's sign-in proxy. */
    hubAuthProxy: "quay.io/jupyterhub/k8s-hub:4.4.0",
    /** Argo Workflows' tag for the controller, server and executor images (the chart's appVersion). */
    argoWorkflowsTag: "v4.0.6",
} as const;

/**
 * Backups (components/backups/, docs/backups.md). Velero chart 12.1.0 is Velero 1.18.1 (vmware-tanzu/helm-charts
 * charts/velero/Chart.yaml at 73466ca, 2026-06-25); the cloud plugins' 1.14 line goes with Velero 1.18 (the
 * plugins' compatibility tables; v1.14.2 of all three seen pinned together beside Velero 1.18).
 */
export const BACKUP_CHARTS = {
    velero: { repo: "https://vmware-tanzu.github.io/helm-charts", chart: "velero", version: "12.1.0" },
} as const satisfies Record<string, ChartPin>;

/** The images of the backups: Velero, its plugin per bucket provider, and the uploader of the services' dumps. */
export const BACKUP_IMAGES = {
    velero: "docker.io/velero/velero:v1.18.1",
    pluginAws: "docker.io/velero/velero-plugin-for-aws:v1.14.2",
    pluginGcp: "docker.io/velero/velero-plugin-for-gcp:v1.14.2",
    pluginAzure: "docker.io/velero/velero-plugin-for-microsoft-azure:v1.14.2",
    /**
     * rclone: S3 (web identity), GCS (metadata server) and Azure Blob (workload identity) through `env_auth`; the
     * same release as a move's transfer Job, so one rclone is pinned.
     */
    rclone: IMAGES.rclone,
    /** Python for the search engines' dump and load scripts (standard library only). */
    python: "docker.io/library/python:3.12.12-slim-trixie",
} as const;

/** Ray's version, as a RayCluster declares it (must equal the image's). */
export const RAY_VERSION = "2.60.0";

/** Python client libraries notebooks get for the enabled services (the Pangeo image has none of them). */
export const SERVICE_PYTHON_PACKAGES = {
    postgres: ["psycopg[binary]==3.3.9"],
    mariadb: ["PyMySQL==1.2.4"],
    mongodb: ["pymongo==4.20.0"],
    opensearch: ["opensearch-py==3.2.0"],
    /** The client's major must match the server's. */
    elasticsearch: ["elasticsearch==9.5.1"],
    cassandra: ["cassandra-driver==3.30.1"],
    /** OrientDB's Python driver is unmaintained since 2017: notebooks use its REST API with `requests`, which the image has. */
    orientdb: [],
    ray: ["ray[client]==2.60.0"],
    mlflow: ["mlflow==3.18.0"],
    /** Hera (Argo Workflows from Python) and papermill (a notebook as a pipeline step). */
    workflows: ["hera==7.1.0", "papermill==2.7.0"],
} as const;
