import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The storage class homes and databases use. */
export const RETAINED_STORAGE_CLASS = "pd-balanced-retained";

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
