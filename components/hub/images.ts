import type { WorkbenchConfig } from "../../stacks/schema";
import { IMAGES } from "../versions";

/** The notebook images a stack runs. */
export interface NotebookImages {
    /** CPU notebooks ("Dask / PyData"), Dask schedulers and CPU workers. */
    cpu: string;
    /** GPU notebooks ("GPU deep learning") and GPU Dask workers. */
    gpu: string;
    /** The "Spark" environment on CPU profiles: full pyspark, Java, the Connect client. */
    spark: string;
}

/** The configured images, or the pinned defaults. */
export function notebookImages(notebook: WorkbenchConfig["notebook"]): NotebookImages {
    return { cpu: notebook.image ?? IMAGES.notebook, gpu: notebook.gpuImage ?? IMAGES.gpuNotebook, spark: IMAGES.sparkNotebook };
}

/** One environment a user can pick on the spawn page. */
export interface NotebookEnvironment {
    /** Stable identifier of the choice (`pydata`, `spark`, `deep-learning`). */
    slug: string;
    /** What the spawn page shows. */
    title: string;
    /** The image. */
    image: string;
    /** What the user should know: what it holds and how big its first pull is. */
    description: string;
}

/**
 * The environments each kind of hardware offers, first one preselected. Sizes are the compressed
 * download a node from zero pulls (see versions.ts): the spawn page tells the user before they wait.
 */
export function notebookEnvironments(images: NotebookImages): { cpu: NotebookEnvironment[]; gpu: NotebookEnvironment[] } {
    const pydata: NotebookEnvironment = {
        slug: "pydata",
        title: "Dask / PyData (Pangeo)",
        image: images.cpu,
        description: "xarray, pandas, Dask and dask-gateway matching the gateway, s3fs/gcsfs/adlfs; about 2 GB to pull on a new node",
    };
    const spark: NotebookEnvironment = {
        slug: "spark",
        title: "Spark (Jupyter PySpark)",
        image: images.spark,
        description: "pyspark and Java for Spark Connect sessions (SPARK_REMOTE is set); about 1.8 GB to pull on a new node",
    };
    const deepLearning: NotebookEnvironment = {
        slug: "deep-learning",
        title: "GPU deep learning (Pangeo PyTorch, CUDA)",
        image: images.gpu,
        description: "PyTorch on CUDA plus the Pangeo stack and dask-gateway; about 7 GB to pull: a first start on a new GPU node takes 10 minutes or more",
    };
    return { cpu: [pydata, spark], gpu: [deepLearning] };
}

/** An image reference split the way the charts recombine it (`name:tag`). */
export interface ImageParts {
    /** Registry and repository (with `@sha256` for a digest). */
    name: string;
    /** Tag, or the digest's hex. */
    tag: string;
}

/**
 * Splits `registry/name:tag` at its tag separator. Charts rebuild the reference as `name:tag`, so a
 * digest reference `name@sha256:hex` splits into `name@sha256` and `hex` and comes back whole.
 */
export function splitImage(reference: string): ImageParts {
    const separator = reference.lastIndexOf(":");
    if (separator <= reference.lastIndexOf("/")) throw new Error(`image ${reference} has no tag or digest`);
    return { name: reference.slice(0, separator), tag: reference.slice(separator + 1) };
}
