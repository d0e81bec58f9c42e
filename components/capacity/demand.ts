import type { WorkbenchConfig } from "../../stacks/schema";
import { enabledDataServices, systemPodsOf } from "../services/catalog";
import { CLUSTER_AUTOSCALER_PODS, DASK_GATEWAY_PODS, HUB_PODS, SPARK_OPERATOR_PODS, SystemPods } from "./requests";

/**
 * Everything the workbench places on the always-on system pool with this configuration: the hub, the
 * Dask Gateway and Spark operator pods when they are on, the cluster-autoscaler where the platform asks
 * for one, and each enabled data service (with the services it requires).
 */
export function systemPods(services: WorkbenchConfig["services"], installsAutoscaler: boolean): SystemPods[] {
    return [
        ...HUB_PODS,
        ...(services.dask.enabled ? DASK_GATEWAY_PODS : []),
        ...(services.spark.enabled ? SPARK_OPERATOR_PODS : []),
        ...(installsAutoscaler ? CLUSTER_AUTOSCALER_PODS : []),
        ...enabledDataServices(services).flatMap((name) => systemPodsOf(services, name)),
    ];
}
