import type { PlatformCluster, ResourceRequests, SystemPoolAtSize } from "../../providers/contract";
import { ConfigError } from "../../stacks/errors";
import type { WorkbenchConfig } from "../../stacks/schema";
import { fitMessage, systemPoolFit } from "./fit";
import { enabledDataServices, systemPodsOf } from "../services/catalog";
import { BACKUP_PODS, CLUSTER_AUTOSCALER_PODS, DASK_GATEWAY_PODS, HUB_PODS, SPARK_OPERATOR_PODS, SystemPods, VELERO_NODE_AGENT, VELERO_TRANSIENT } from "./requests";

/** How the homes are backed up, once `workbench:backups.method` is settled (components/backups/method.ts). */
export type HomesMethod = "snapshots" | "files";

/** What backing the homes up places on the system pool. */
export interface HomesBackupDemand {
    method: HomesMethod;
    /** System pool nodes: the snapshot method's node agent runs on each. */
    nodes: number;
    /** What the cluster's snapshot controller adds there (the platform's answer; zero where the cloud runs it). */
    controllerPods: ResourceRequests;
}

/**
 * Velero on the system pool: its server; with snapshots also its node agent on every system node, the snapshot
 * controller the platform installs for it, and room for one data mover (or maintenance Job) at a time.
 */
export function homesBackupPods(homes: HomesBackupDemand): SystemPods[] {
    if (homes.method === "files") return [...BACKUP_PODS];
    const controller = homes.controllerPods;
    return [
        ...BACKUP_PODS,
        { component: "Velero node agent (snapshot data mover)", cpuMillis: VELERO_NODE_AGENT.cpuMillis * homes.nodes, memoryMiB: VELERO_NODE_AGENT.memoryMiB * homes.nodes, pods: homes.nodes },
        ...(controller.pods > 0 ? [{ component: "CSI snapshot controller", ...controller }] : []),
        { component: "Velero data mover (one at a time, while backups run)", ...VELERO_TRANSIENT, pods: 1 },
    ];
}

/**
 * Everything the workbench places on the always-on system pool with this configuration: the hub, the
 * Dask Gateway and Spark operator pods (and the Spark Connect server) when they are on, the cluster-autoscaler where the platform asks
 * for one, each enabled data service (with the services it requires), and Velero when it backs the homes up.
 */
export function systemPods(services: WorkbenchConfig["services"], installsAutoscaler: boolean, homes?: HomesBackupDemand): SystemPods[] {
    return [
        ...HUB_PODS,
        ...(services.dask.enabled ? DASK_GATEWAY_PODS : []),
        ...(services.spark.enabled ? SPARK_OPERATOR_PODS : []),
        ...(installsAutoscaler ? CLUSTER_AUTOSCALER_PODS : []),
        ...enabledDataServices(services).flatMap((name) => systemPodsOf(services, name)),
        // the services' dumps are Jobs that run for minutes, not always-on
        ...(homes ? homesBackupPods(homes) : []),
    ];
}

/** The system pool of a created platform, in the shape the configuration check sized it. */
export function clusterSystemPool(cluster: Pick<PlatformCluster, "systemPool" | "systemAgents" | "capabilities">): Omit<SystemPoolAtSize, "size"> {
    const pool = cluster.systemPool;
    return {
        vcpu: pool.vcpu,
        memoryGiB: pool.memoryGiB,
        maxPods: pool.maxPods,
        nodes: pool.minNodes,
        ...(pool.allocatable ? { allocatable: pool.allocatable } : {}),
        agents: cluster.systemAgents,
        installsAutoscaler: cluster.capabilities.clusterAutoscaler !== undefined,
        ...(pool.taints.length > 0 ? { taints: pool.taints } : {}),
    };
}

/**
 * The fit check against the platform's contract itself (the configuration check runs the same sums before
 * anything exists, from the same functions the platform uses): throws the same ConfigError if they disagree.
 */
export function assertSystemPoolFits(stack: string, config: WorkbenchConfig, cluster: Pick<PlatformCluster, "systemPool" | "systemAgents" | "capabilities">, homes?: HomesBackupDemand): void {
    const pool = clusterSystemPool(cluster);
    const pods = systemPods(config.services, pool.installsAutoscaler, homes);
    const fit = systemPoolFit(pool, pool.agents, pods);
    if (!fit.fits) {
        // an existing cluster's pools take the shape of workbench:userPool.size
        const key = config.cloud === "existing" ? "userPool" : "systemPool";
        throw new ConfigError(stack, [
            { key: `workbench:${key}.size`, given: config[key].size, allowed: fitMessage(fit, pods, `choose a larger ${key}.size or switch services off`) },
        ]);
    }
}
