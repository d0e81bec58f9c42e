import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResourceRequests, ServiceAccountRef, VolumeSnapshots } from "../contract";
import { RETAINED_STORAGE_CLASSES } from "../retained-classes";
import { AwsContext, managedPolicyArn } from "./context";
import { irsaRole, OidcProvider } from "./irsa";

/** The ServiceAccount the EBS CSI add-on's controller runs as (fixed by the add-on). */
export const EBS_CSI_CONTROLLER_ACCOUNT: ServiceAccountRef = { namespace: "kube-system", name: "ebs-csi-controller-sa" };

/** Replicas of the EBS CSI controller: the add-on's default, two. */
export const EBS_CSI_CONTROLLER_REPLICAS = 2;

/** The storage class homes and databases use. */
export const RETAINED_STORAGE_CLASS = RETAINED_STORAGE_CLASSES.aws;

/** The EBS CSI driver's name: the retained class's provisioner, and the driver of its volumes' snapshots. */
export const EBS_CSI_PROVISIONER = "ebs.csi.aws.com";

/**
 * The EKS add-on that installs the snapshot CRDs (`snapshot.storage.k8s.io/v1`) and the CSI snapshot controller,
 * which EKS does not run by itself (EKS user guide, "CSI snapshot controller": "The Amazon EKS add-on name is
 * snapshot-controller"; it needs no IAM permissions). Its version is left to EKS, which picks the default for the
 * cluster's Kubernetes version, as for the EBS CSI add-on.
 */
export const SNAPSHOT_CONTROLLER_ADDON = "snapshot-controller";

/**
 * What the snapshot controller's Deployment adds to the system node group: kubernetes-csi/external-snapshotter's
 * deploy/kubernetes/snapshot-controller runs two leader-elected replicas and requests nothing; they are counted at
 * 10m CPU and 32 MiB each so the fit check keeps some room for them. The replicas carry no toleration of the user or
 * GPU pools' taints, so the system nodes are the only ones they land on. Not measured on an EKS node.
 */
export const EKS_SNAPSHOT_CONTROLLER_PODS: ResourceRequests = { cpuMillis: 2 * 10, memoryMiB: 2 * 32, pods: 2 };

/** The annotation that makes a storage class the one a claim without a class gets. */
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

/** Arguments of {@link BlockStorage}. */
export interface BlockStorageArgs {
    /** Names, region, partition and tags shared by the platform's resources. */
    context: AwsContext;
    /** The cluster's OIDC provider, which the driver's role trusts. */
    oidc: OidcProvider;
    /** The cluster's Kubernetes provider, for the storage class. */
    provider: k8s.Provider;
    /** The add-on's controller needs a node to run on: the always-on system node group. */
    systemNodes: pulumi.Resource;
}

/**
 * Persistent volumes on EBS: the EBS CSI driver add-on, with its own IAM role trusted by its controller's
 * ServiceAccount alone, holding AWS's `AmazonEBSCSIDriverPolicy`. That managed policy is account-wide, not
 * this cluster's: it creates and deletes only volumes and snapshots carrying an EBS CSI driver's tags (any
 * cluster's in the account), but may attach, detach and modify any volume of the account. A narrower
 * policy would have to track the driver's releases; the role's trust is what keeps it to the controller.
 * And the default storage class, gp3 and encrypted, whose volumes are retained when their claim goes, so
 * homes and databases outlive `pulumi destroy`. EKS no longer marks any class default, so a claim without
 * a class would otherwise stay pending.
 */
export class BlockStorage extends pulumi.ComponentResource {
    /** The EBS CSI driver add-on. */
    readonly addon: aws.eks.Addon;
    /** The retained, default gp3 storage class. */
    readonly storageClass: k8s.storage.v1.StorageClass;
    /** The retained class's name. */
    readonly storageClassName: pulumi.Output<string>;

    constructor(name: string, args: BlockStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:aws:BlockStorage", name, {}, opts);
        const { context } = args;

        const role = irsaRole(
            `${name}-ebs-csi`,
            {
                oidc: args.oidc,
                account: EBS_CSI_CONTROLLER_ACCOUNT,
                description: `EBS CSI driver controller of EKS cluster ${context.clusterName}`,
                tags: context.tags,
            },
            { parent: this },
        );
        const policy = new aws.iam.RolePolicyAttachment(
            `${name}-ebs-csi`,
            { role: role.name, policyArn: managedPolicyArn(context, "service-role/AmazonEBSCSIDriverPolicy") },
            { parent: this },
        );

        this.addon = new aws.eks.Addon(
            `${name}-ebs-csi`,
            {
                clusterName: context.clusterName,
                addonName: "aws-ebs-csi-driver",
                serviceAccountRoleArn: role.arn,
                // Homes are mounted on tainted user and GPU nodes: the node plugin must run there too,
                // which newer driver versions no longer do by default.
                // The controller keeps the add-on's two replicas: its published configuration schema is not
                // known to accept a replica count (kubernetes-sigs/aws-ebs-csi-driver#2068), and a value
                // the schema refuses fails the add-on.
                configurationValues: JSON.stringify({ node: { tolerateAllTaints: true } }),
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                tags: context.tags,
            },
            // the add-on turns healthy only once its controller runs, on the system nodes
            { parent: this, dependsOn: [args.systemNodes, policy] },
        );

        this.storageClass = new k8s.storage.v1.StorageClass(
            `${name}-${RETAINED_STORAGE_CLASS}`,
            {
                metadata: { name: RETAINED_STORAGE_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
                provisioner: EBS_CSI_PROVISIONER,
                parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
                reclaimPolicy: "Retain",
                // the volume is made in the zone of the node its first pod lands on
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
            },
            { parent: this, provider: args.provider },
        );
        this.storageClassName = this.storageClass.metadata.name;
        this.registerOutputs({ storageClassName: this.storageClassName, addonVersion: this.addon.addonVersion });
    }
}

/** What {@link ebsVolumeSnapshots} needs. */
export interface EbsVolumeSnapshotsArgs {
    /** Names, region, partition and tags shared by the platform's resources. */
    context: AwsContext;
    /** The add-on's controller needs a node to run on: the always-on system node group. */
    systemNodes: pulumi.Resource;
    /** The EBS CSI add-on, whose controller's csi-snapshotter sidecar takes the snapshots. */
    driver: pulumi.Resource;
    /** Parent of the add-on (the platform). */
    parent: pulumi.Resource;
}

/**
 * CSI snapshots of EBS volumes for the workbench's backups: the EBS CSI driver takes them (its controller runs the
 * csi-snapshotter sidecar, and AmazonEBSCSIDriverPolicy allows the driver's own snapshots and volumes made from
 * them), the snapshot controller comes from the EKS add-on, created only when the workbench takes snapshots, and the
 * class needs no parameters (the driver tags what it makes).
 */
export function ebsVolumeSnapshots(name: string, args: EbsVolumeSnapshotsArgs): VolumeSnapshots {
    let installed: pulumi.Resource[] | undefined;
    return {
        driver: EBS_CSI_PROVISIONER,
        snapshotClass: { create: { parameters: {} } },
        controllerPods: EKS_SNAPSHOT_CONTROLLER_PODS,
        install: () => {
            installed ??= [
                new aws.eks.Addon(
                    `${name}-snapshot-controller`,
                    {
                        clusterName: args.context.clusterName,
                        addonName: SNAPSHOT_CONTROLLER_ADDON,
                        resolveConflictsOnCreate: "OVERWRITE",
                        resolveConflictsOnUpdate: "OVERWRITE",
                        tags: args.context.tags,
                    },
                    // healthy once its controller runs on the system nodes; the driver's snapshotter watches its CRDs
                    { parent: args.parent, dependsOn: [args.systemNodes, args.driver] },
                ),
            ];
            return installed;
        },
    };
}
