import type { WorkbenchConfig } from "../stacks/schema";
import { IMAGES } from "./versions";

/** The notebook images a stack runs. */
export interface NotebookImages {
    /** CPU notebooks, Dask schedulers and CPU workers. */
    cpu: string;
    /** GPU notebooks and GPU Dask workers. */
    gpu: string;
}

/** The configured images, or the pinned defaults. */
export function notebookImages(notebook: WorkbenchConfig["notebook"]): NotebookImages {
    return { cpu: notebook.image ?? IMAGES.notebook, gpu: notebook.gpuImage ?? IMAGES.gpuNotebook };
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
