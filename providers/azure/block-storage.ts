import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SnapshotControllerDemand, VolumeSnapshots } from "../contract";
import { RETAINED_STORAGE_CLASSES } from "../retained-classes";

/** The storage class homes and databases use. */
export const RETAINED_STORAGE_CLASS = RETAINED_STORAGE_CLASSES.azure;

/** AKS's Azure Disk CSI driver: the retained class's provisioner, and the driver of its disks' snapshots. */
export const AZURE_DISK_CSI_PROVISIONER = "disk.csi.azure.com";

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
            provisioner: AZURE_DISK_CSI_PROVISIONER,
            parameters: { skuName: "Premium_LRS", resourceGroup: args.resourceGroupName, cachingMode: "ReadOnly", fsType: "ext4" },
            reclaimPolicy: "Retain",
            // the disk is made where the first pod's node is
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
        },
        { parent, provider: args.provider, dependsOn: args.dependsOn },
    );
}

/**
 * AKS runs the CSI snapshot controller and serves the snapshot CRDs with its managed CSI drivers, on its control
 * plane: `csi-snapshot-controller` is one of the control plane's resource-log categories beside
 * `csi-azuredisk-controller` (AKS "Monitor AKS: resource logs"), and no pod of it lands on the system pool.
 */
export const AKS_SNAPSHOT_CONTROLLER: SnapshotControllerDemand = { controllerPods: { cpuMillis: 0, memoryMiB: 0, pods: 0 } };

/**
 * CSI snapshots of the retained class's managed disks: incremental (billed for the changed blocks only) and kept in
 * the workbench's volumes resource group, where the cluster's identity is Contributor and the disks already are
 * (Azure Disk CSI driver, VolumeSnapshotClass parameters `incremental` and `resourceGroup`). AKS does not label any
 * class of its own for Velero, so the workbench creates this one.
 */
export function azureDiskVolumeSnapshots(resourceGroupName: pulumi.Input<string>): VolumeSnapshots {
    return {
        driver: AZURE_DISK_CSI_PROVISIONER,
        snapshotClass: { create: { parameters: { incremental: "true", resourceGroup: resourceGroupName } } },
        ...AKS_SNAPSHOT_CONTROLLER,
        install: () => [],
    };
}
