import * as containerservice from "@pulumi/azure-native/containerservice";
import * as pulumi from "@pulumi/pulumi";
import { agentPoolSettings } from "./cluster";
import { PoolSpec } from "./pools";

/** Arguments of {@link agentPool}. */
export interface AgentPoolArgs {
    /** The cluster's resource group. */
    resourceGroupName: pulumi.Input<string>;
    /** The cluster's name (AgentPool's `resourceName`). */
    clusterName: pulumi.Input<string>;
    /** What the pool is. */
    pool: PoolSpec;
    /** Pools that must be created (and changed) before this one: AKS runs one agent-pool operation at a time. */
    after: pulumi.Resource[];
}

/**
 * A user or GPU pool of the cluster, scaled by AKS's cluster autoscaler between its bounds; from zero, the
 * autoscaler builds a template node from the VM size (GPUs included) and the pool's labels and taints.
 * Spot pools are evicted by deletion (a deallocated VM would keep counting against the quota) at any
 * price up to on-demand. GPU pools get AKS's NVIDIA driver; the device plugin comes from the shared layer.
 */
export function agentPool(name: string, args: AgentPoolArgs, parent: pulumi.Resource): containerservice.AgentPool {
    const { pool } = args;
    return new containerservice.AgentPool(
        name,
        {
            resourceGroupName: args.resourceGroupName,
            resourceName: args.clusterName,
            agentPoolName: pool.agentPoolName,
            mode: "User",
            ...agentPoolSettings(pool),
            enableAutoScaling: true,
            minCount: pool.minNodes,
            maxCount: pool.maxNodes,
            // AKS requires a count even with autoscaling (pulumi-azure-native#2943); the autoscaler owns it after creation
            count: pool.minNodes,
            scaleSetPriority: pool.spot ? "Spot" : "Regular",
            scaleSetEvictionPolicy: pool.spot ? "Delete" : undefined,
            spotMaxPrice: pool.spot ? -1 : undefined,
            gpuProfile: pool.role === "gpu" ? { driver: "Install" } : undefined,
        },
        { parent, ignoreChanges: ["count"], dependsOn: args.after },
    );
}
