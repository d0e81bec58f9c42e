import type { Cloud } from "./catalog";

/*
 * The retained storage class each cloud platform makes for homes and databases, by name: data the shared layer reads
 * to restore another cloud's backup (a move). A restored claim keeps its source's class name, which no class of this
 * cluster answers, so the restore maps every other cloud's name onto this cluster's class (Velero's
 * change-storage-class restore item action). Each platform's block-storage module takes its name from here.
 */

/** The retained class of each cloud platform (an existing cluster names its own: `workbench:existing.storageClass`). */
export const RETAINED_STORAGE_CLASSES: Readonly<Record<Exclude<Cloud, "existing">, string>> = {
    aws: "gp3-retained",
    gcp: "pd-balanced-retained",
    azure: "premium-retained",
};
