import type { PlatformCluster } from "../../providers/contract";
import { ConfigError } from "../../stacks/errors";
import type { WorkbenchConfig } from "../../stacks/schema";
import { fitMessage, systemPoolFit } from "./fit";
import { enabledDataServices, systemPodsOf } from "../services/catalog";
import { BACKUP_PODS, CLUSTER_AUTOSCALER_PODS, DASK_GATEWAY_PODS, HUB_PODS, SPARK_OPERATOR_PODS, SystemPods } from "./requests";

/**
 * Everything the workbench places on the always-on system pool with this configuration: the hub, the
 * Dask Gateway and Spark operator pods (and the Spark Connect server) when they are on, the cluster-autoscaler where the platform asks
 * for one, and each enabled data service (with the services it requires).
 */
export function systemPods(services: WorkbenchConfig["services"], installsAutoscaler: boolean, backups?: Pick<WorkbenchConfig["backups"], "enabled" | "optOut">): SystemPods[] {
    return [
        ...HUB_PODS,
        ...(services.dask.enabled ? DASK_GATEWAY_PODS : []),
        ...(services.spark.enabled ? SPARK_OPERATOR_PODS : []),
        ...(installsAutoscaler ? CLUSTER_AUTOSCALER_PODS : []),
        ...enabledDataServices(services).flatMap((name) => systemPodsOf(services, name)),
        // Velero backs up the homes; the services' dumps are Jobs that run for minutes, not always-on
        ...(backups?.enabled && !backups.optOut.includes("homes") ? BACKUP_PODS : []),
    ];
}

/**
 * The fit check against the platform's contract itself (the configuration check runs the same sums before
 * anything exists, from the same functions the platform uses): throws the same ConfigError if they disagree.
 */
export function assertSystemPoolFits(stack: string, config: WorkbenchConfig, cluster: Pick<PlatformCluster, "systemPool" | "systemAgents" | "capabilities">): void {
    const pods = systemPods(config.services, cluster.capabilities.clusterAutoscaler !== undefined, config.backups);
    const fit = systemPoolFit({ ...cluster.systemPool, nodes: cluster.systemPool.minNodes }, cluster.systemAgents, pods);
    if (!fit.fits) {
        // an existing cluster's pools take the shape of workbench:userPool.size
        const key = config.cloud === "existing" ? "userPool" : "systemPool";
        throw new ConfigError(stack, [
            { key: `workbench:${key}.size`, given: config[key].size, allowed: fitMessage(fit, pods, `choose a larger ${key}.size or switch services off`) },
        ]);
    }
}
