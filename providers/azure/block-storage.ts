import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The storage class homes and databases use. */
export const RETAINED_STORAGE_CLASS = "premium-retained";

/** Arguments of {@link retainedStorageClass}. */
export interface RetainedStorageClassArgs {
    /** The retained resource group the disks are made in (not AKS's node resource group, which goes with the cluster). */
    resourceGroupName: pulumi.Input<string>;
    /** The cluster's Kubernetes provider. */
    provider: k8s.Provider;
    /** What must exist first: the control plane's role on that resource group. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Premium SSD managed disks from AKS's Azure Disk CSI driver, retained when their claim goes, made in the
 * workbench's volumes resource group: disks in AKS's node resource group would be deleted with the cluster
 * whatever their reclaim policy. AKS's own classes (`default`, `managed-csi`) delete their disks, and
 * stay the cluster's default; the workbench names this class explicitly.
 */
export function retainedStorageClass(name: string, args: RetainedStorageClassArgs, parent: pulumi.Resource): k8s.storage.v1.StorageClass {
    return new k8s.storage.v1.StorageClass(
        `${name}-${RETAINED_STORAGE_CLASS}`,
        {
            metadata: { name: RETAINED_STORAGE_CLASS },
            provisioner: "disk.csi.azure.com",
            parameters: { skuName: "Premium_LRS", resourceGroup: args.resourceGroupName, cachingMode: "ReadOnly", fsType: "ext4" },
            reclaimPolicy: "Retain",
            // the disk is made where the first pod's node is
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
        },
        { parent, provider: args.provider, dependsOn: args.dependsOn },
    );
}
