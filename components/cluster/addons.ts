import * as pulumi from "@pulumi/pulumi";
import { GpuPool, PlatformCluster } from "../../providers/contract";
import { CLUSTER_AUTOSCALER_RELEASE, clusterAutoscalerImageTag, clusterAutoscalerValues } from "./autoscaler";
import { chartRelease } from "../helm/release";
import { ValueMap } from "../helm/merge";
import { DEVICE_PLUGIN_NAMESPACE, devicePluginValues, isTargetable } from "./nvidia-device-plugin";
import { CHARTS } from "../versions";

/** Arguments of {@link ClusterAddons}. */
export interface ClusterAddonsArgs {
    /** The platform's cluster: provider, capabilities, system pool placement. */
    cluster: PlatformCluster;
    /** The platform's GPU pools, which the device plugin serves. */
    gpuPools: readonly GpuPool[];
}

/**
 * The cluster plumbing the contract asks for: NVIDIA's device plugin on the GPU pools where the
 * cloud does not install it, and a cluster-autoscaler where the cloud does not scale pools itself.
 * The component exists on every platform; its children only where the capabilities ask for them.
 */
export class ClusterAddons extends pulumi.ComponentResource {
    constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:cluster:Addons", name, {}, opts);
        const { cluster } = args;
        const { capabilities, provider } = cluster;

        if (capabilities.nvidiaDevicePlugin && args.gpuPools.length > 0) {
            const unlabelled = args.gpuPools.filter((pool) => !isTargetable(pool)).map((pool) => pool.name);
            if (unlabelled.length > 0) {
                pulumi.log.warn(`GPU pools ${unlabelled.join(", ")} have no node labels: NVIDIA's device plugin cannot be pinned to them and skips them.`, this);
            }
            if (unlabelled.length < args.gpuPools.length) {
                chartRelease(
                    `${name}-nvidia-device-plugin`,
                    {
                        chart: CHARTS.nvidiaDevicePlugin,
                        releaseName: "nvidia-device-plugin",
                        namespace: DEVICE_PLUGIN_NAMESPACE,
                        values: devicePluginValues(args.gpuPools),
                        provider,
                        dependsOn: cluster.readyWhen,
                    },
                    this,
                );
            }
        }

        const autoscaler = capabilities.clusterAutoscaler;
        if (autoscaler) {
            const kubernetesVersion = cluster.kubernetesVersion ?? "(unknown)";
            if (!clusterAutoscalerImageTag(kubernetesVersion)) {
                pulumi.log.warn(
                    `No cluster-autoscaler image is pinned for Kubernetes ${kubernetesVersion}: the chart's own image is used, which may not match the cluster.`,
                    this,
                );
            }
            chartRelease(
                `${name}-cluster-autoscaler`,
                {
                    chart: CHARTS.clusterAutoscaler,
                    releaseName: CLUSTER_AUTOSCALER_RELEASE,
                    namespace: autoscaler.account.namespace,
                    values: pulumi
                        .output(autoscaler.values)
                        .apply((values) => clusterAutoscalerValues(values as ValueMap, autoscaler.account, cluster.systemPool.placement, kubernetesVersion)),
                    provider,
                    dependsOn: cluster.readyWhen,
                },
                this,
            );
        }
        this.registerOutputs({});
    }
}
