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
};

/**
 * Default images. The notebook images also run the Dask schedulers and workers, so client and
 * cluster share one environment (dask, distributed, cloudpickle must match); both tags come from
 * the same Pangeo release, so a CPU notebook can drive GPU workers and the reverse.
 */
export const IMAGES = {
    /**
     * Pangeo's notebook: JupyterLab 4.5, jupyterhub-singleuser 5.4, dask/distributed 2026.1.1,
     * dask-gateway 2025.4.0 (client; protocol-compatible with the 2026.3.0 server, whose changes are
     * server-side), s3fs/gcsfs/adlfs, xarray, awscli.
     */
    notebook: "docker.io/pangeo/pangeo-notebook:2026.01.30",
    /** Pangeo's PyTorch notebook: the same environment plus PyTorch 2.10 on CUDA 12.9. */
    gpuNotebook: "docker.io/pangeo/pytorch-notebook:2026.01.30",
    /** Apache Spark for the example SparkApplication: the version the pinned operator is built and tested with. */
    spark: "docker.io/apache/spark:4.0.4",
} as const;

/** Spark version of {@link IMAGES.spark}, as a SparkApplication declares it. */
export const SPARK_VERSION = "4.0.4";

/** hadoop-aws matching the Hadoop client inside {@link IMAGES.spark}, for `s3a://` access. */
export const HADOOP_AWS_PACKAGE = "org.apache.hadoop:hadoop-aws:3.4.1";
