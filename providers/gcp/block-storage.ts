import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SnapshotControllerDemand, VolumeSnapshots } from "../contract";
import { RETAINED_STORAGE_CLASSES } from "../retained-classes";

/** The storage class homes and databases use. */
export const RETAINED_STORAGE_CLASS = RETAINED_STORAGE_CLASSES.gcp;

/** The Compute Engine persistent disk CSI driver GKE runs (`addonsConfig.gcePersistentDiskCsiDriverConfig`). */
export const PD_CSI_PROVISIONER = "pd.csi.storage.gke.io";

/**
 * Balanced persistent disks whose volumes are retained when their claim goes, so homes and databases
 * outlive `pulumi destroy`. GKE's own default class (`standard-rwo`) deletes them; this class is named by
 * the shared layer explicitly, so it is not marked default (two defaults would be ambiguous). Volumes are
 * made in the zone of the node their first pod lands on.
 */
export function retainedStorageClass(name: string, provider: k8s.Provider, parent: pulumi.Resource): k8s.storage.v1.StorageClass {
    return new k8s.storage.v1.StorageClass(
        `${name}-${RETAINED_STORAGE_CLASS}`,
        {
            metadata: { name: RETAINED_STORAGE_CLASS },
            provisioner: PD_CSI_PROVISIONER,
            parameters: { type: "pd-balanced", "csi.storage.k8s.io/fstype": "ext4" },
            reclaimPolicy: "Retain",
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
        },
        { parent, provider },
    );
}

/**
 * GKE runs the CSI snapshot controller and serves the snapshot CRDs itself (GKE "Back up Persistent Disk storage
 * using volume snapshots": the requirements are the PD CSI driver and a 1.17+ control plane, nothing to install), on
 * its control plane: no pod of it lands on the system pool.
 */
export const GKE_SNAPSHOT_CONTROLLER: SnapshotControllerDemand = { controllerPods: { cpuMillis: 0, memoryMiB: 0, pods: 0 } };

/**
 * CSI snapshots of the retained class's persistent disks: GKE's PD CSI driver takes them (stored where Compute
 * Engine keeps snapshots by default, the region's multi-region); the class needs no parameters.
 */
export const PD_VOLUME_SNAPSHOTS: VolumeSnapshots = {
    driver: PD_CSI_PROVISIONER,
    snapshotClass: { create: { parameters: {} } },
    ...GKE_SNAPSHOT_CONTROLLER,
    install: () => [],
};
