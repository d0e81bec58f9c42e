import * as gcpContainer from "@pulumi/gcp/container";
import * as pulumi from "@pulumi/pulumi";
import { TaintEffect } from "../contract";
import { GcpContext } from "./context";
import { CLOUD_PLATFORM_SCOPE } from "./node-account";
import { PoolSpec } from "./pools";

/** How the GKE API spells a Kubernetes taint effect. */
export const GKE_TAINT_EFFECTS: Readonly<Record<TaintEffect, string>> = {
    NoSchedule: "NO_SCHEDULE",
    PreferNoSchedule: "PREFER_NO_SCHEDULE",
    NoExecute: "NO_EXECUTE",
};

/**
 * GKE installs the driver its nodes' image was qualified with, and runs its own NVIDIA device plugin.
 * Set explicitly: changing it later replaces the pool (TPG#23248).
 */
export const GPU_DRIVER_VERSION = "DEFAULT";

/**
 * How GPU pools upgrade: one node down, then its replacement, rather than GKE's default surge (one extra node
 * first). A surge node needs one more GPU of quota than the pools' maximum, which a project granted exactly
 * that (what the check asks for) does not have, so the upgrade would stall on the quota (@pulumi/gcp 9.37
 * `NodePoolUpgradeSettings`). A GPU node is one person's notebook, which an upgrade stops either way.
 */
export const GPU_UPGRADE_SETTINGS = { strategy: "SURGE", maxSurge: 0, maxUnavailable: 1 } as const;

/** Arguments of {@link createNodePool}. */
export interface NodePoolArgs {
    context: GcpContext;
    pool: PoolSpec;
    /** The cluster's name or id. */
    cluster: gcpContainer.Cluster;
    /** The nodes' dedicated account's e-mail. */
    serviceAccount: pulumi.Input<string>;
    /** What the pool waits for: the account's grants. */
    dependsOn: pulumi.Resource[];
}

/**
 * One GKE node pool from its spec. Autoscaled pools set only their bounds (and start at their minimum),
 * never `nodeCount`, which would fight the autoscaler; the system pool has a fixed `nodeCount`. Every pool
 * runs COS with containerd on shielded VMs as the dedicated account, serves Workload Identity through the
 * GKE metadata server (`GKE_METADATA`, which also hides the node's own credentials from pods), and keeps
 * its nodes in the cluster's one zone.
 */
export function createNodePool(name: string, args: NodePoolArgs, parent: pulumi.Resource): gcpContainer.NodePool {
    const { context, pool } = args;
    const scaling = pool.autoscaled
        ? {
              // initialNodeCount replaces the pool when changed: it stays at the minimum, the autoscaler owns the count
              initialNodeCount: pool.minNodes,
              autoscaling: { totalMinNodeCount: pool.minNodes, totalMaxNodeCount: pool.maxNodes, locationPolicy: "ANY" },
          }
        : { nodeCount: pool.minNodes };
    return new gcpContainer.NodePool(
        name,
        {
            project: context.project,
            cluster: args.cluster.name,
            location: context.location,
            nodeLocations: [context.zone],
            ...scaling,
            management: { autoRepair: true, autoUpgrade: true },
            upgradeSettings: pool.role === "gpu" ? { ...GPU_UPGRADE_SETTINGS } : undefined,
            nodeConfig: {
                machineType: pool.machineType,
                spot: pool.spot,
                diskSizeGb: pool.diskGiB,
                diskType: "pd-balanced",
                imageType: "COS_CONTAINERD",
                serviceAccount: args.serviceAccount,
                oauthScopes: [CLOUD_PLATFORM_SCOPE],
                workloadMetadataConfig: { mode: "GKE_METADATA" },
                shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
                labels: pool.poolLabels,
                taints: pool.taints.map((taint) => ({ key: taint.key, value: taint.value ?? "", effect: GKE_TAINT_EFFECTS[taint.effect] })),
                guestAccelerators: pool.acceleratorType
                    ? [{ type: pool.acceleratorType, count: pool.gpusPerNode, gpuDriverInstallationConfig: { gpuDriverVersion: GPU_DRIVER_VERSION } }]
                    : undefined,
                resourceLabels: { ...context.labels, "workbench-pool": pool.role === "gpu" ? `gpu-${pool.name}` : pool.name },
                metadata: { "disable-legacy-endpoints": "true" },
            },
        },
        { parent, dependsOn: args.dependsOn },
    );
}
