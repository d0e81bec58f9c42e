import { NodePlacement, ServiceAccountRef } from "../../providers/contract";
import { helmMerge, ValueMap } from "../helm/merge";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../versions";

/** The autoscaler's Helm release name (its ServiceAccount is named by the platform's request). */
export const CLUSTER_AUTOSCALER_RELEASE = "cluster-autoscaler";

/** The image tag for a cluster's Kubernetes minor version; undefined keeps the chart's own. */
export function clusterAutoscalerImageTag(kubernetesVersion: string): string | undefined {
    return CLUSTER_AUTOSCALER_IMAGE_TAGS[kubernetesVersion];
}

/**
 * Values of the cluster-autoscaler chart: the platform's values (cloud provider, auto-discovery,
 * identity) over the shared layer's own. The autoscaler runs on the system pool, never on a node it
 * may remove, and scales down nodes whose pods use emptyDir (Spark scratch space): otherwise a
 * finished job's node would never go back to zero.
 */
export function clusterAutoscalerValues(
    platformValues: ValueMap,
    account: ServiceAccountRef,
    systemPlacement: NodePlacement,
    kubernetesVersion: string,
): ValueMap {
    const tag = clusterAutoscalerImageTag(kubernetesVersion);
    const shared: ValueMap = {
        fullnameOverride: CLUSTER_AUTOSCALER_RELEASE,
        // the account the platform's identity for the autoscaler trusts
        rbac: { serviceAccount: { create: true, name: account.name } },
        nodeSelector: systemPlacement.nodeSelector,
        tolerations: systemPlacement.tolerations,
        ...(tag ? { image: { tag } } : {}),
        extraArgs: {
            "skip-nodes-with-local-storage": false,
            // with several pools that fit a pod, grow the one that wastes the least
            expander: "least-waste",
        },
    };
    return helmMerge(shared, platformValues);
}
