import * as gcpContainer from "@pulumi/gcp/container";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GkeReleaseChannel } from "../catalog/kubernetes/gcp";
import { GcpContext } from "./context";
import { gkeKubeconfig } from "./kubeconfig";
import { Network, POD_RANGE, SERVICE_RANGE } from "./network";
import { CLOUD_PLATFORM_SCOPE } from "./node-account";

/**
 * When GKE may upgrade the control plane and the pools on its own: weekend nights, 02:00 to 10:00 UTC on Saturday
 * and Sunday. The system pool is one node, so each upgrade is a hub outage and drains running notebooks; GKE needs
 * 48 hours of windows in any 32 days with none shorter than 4 hours (GKE "Maintenance windows and exclusions"),
 * which eight-hour weekend windows give. Times in UTC "Zulu" form, as GKE returns them (no perma-diff).
 */
export const MAINTENANCE_WINDOW = { startTime: "2026-01-03T02:00:00Z", endTime: "2026-01-03T10:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" } as const;

/** Arguments of {@link GkeCluster}. */
export interface GkeClusterArgs {
    /** Names, project, location and labels shared by the platform's resources. */
    context: GcpContext;
    /** `workbench:gcp.releaseChannel`: GKE upgrades the cluster along it. */
    releaseChannel: GkeReleaseChannel;
    /** A pinned minor (`workbench:kubernetesVersion`), as the control plane's minimum; unset follows the channel's default. */
    pinnedMinor?: string;
    /** `workbench:gcp.deletionProtection`. */
    deletionProtection: boolean;
    /** The VPC and subnet the cluster's nodes and pods use. */
    network: Network;
    /** The nodes' dedicated account, also for the throwaway default pool GKE creates and removes. */
    nodeServiceAccount: pulumi.Input<string>;
    /** Resources the cluster waits for (APIs). */
    dependsOn: pulumi.Resource[];
}

/**
 * A GKE Standard cluster: zonal by default (the free tier pays one zonal cluster's fee), on a release
 * channel, with Workload Identity, Dataplane V2 (which enforces NetworkPolicy itself), VPC-native ranges
 * from the workbench's subnet, shielded nodes, GKE's own autoscaler tuned to remove idle nodes quickly,
 * and the default node pool removed so that every pool is a `gcpContainer.NodePool` of the stack.
 */
export class GkeCluster extends pulumi.ComponentResource {
    readonly cluster: gcpContainer.Cluster;
    /** Kubeconfig using gke-gcloud-auth-plugin, as a secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** The Kubernetes provider the shared layer uses. */
    readonly provider: k8s.Provider;

    constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:gcp:Cluster", name, {}, opts);
        const { context } = args;

        this.cluster = new gcpContainer.Cluster(
            name,
            {
                name: context.clusterName,
                project: context.project,
                location: context.location,
                // a regional control plane keeps its nodes in the one zone the homes' disks are in
                nodeLocations: context.location === context.zone ? undefined : [context.zone],
                description: `Data-science workbench, stack ${context.stack}`,
                releaseChannel: { channel: args.releaseChannel },
                maintenancePolicy: { recurringWindow: { ...MAINTENANCE_WINDOW } },
                minMasterVersion: args.pinnedMinor,
                deletionProtection: args.deletionProtection,
                // GKE insists on a first pool; it is removed once the cluster exists
                removeDefaultNodePool: true,
                initialNodeCount: 1,
                nodeConfig: {
                    serviceAccount: args.nodeServiceAccount,
                    oauthScopes: [CLOUD_PLATFORM_SCOPE],
                    workloadMetadataConfig: { mode: "GKE_METADATA" },
                    shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
                },
                workloadIdentityConfig: { workloadPool: `${context.project}.svc.id.goog` },
                // Dataplane V2 enforces NetworkPolicy; networkPolicy/networkPolicyConfig must stay unset with it
                datapathProvider: "ADVANCED_DATAPATH",
                networkingMode: "VPC_NATIVE",
                network: args.network.network.id,
                subnetwork: args.network.subnetwork.id,
                ipAllocationPolicy: { clusterSecondaryRangeName: POD_RANGE, servicesSecondaryRangeName: SERVICE_RANGE },
                enableShieldedNodes: true,
                // `enabled` is node auto-provisioning (off: pools are the stack's); the profile tunes pool autoscaling
                clusterAutoscaling: { enabled: false, autoscalingProfile: "OPTIMIZE_UTILIZATION" },
                addonsConfig: {
                    // the hub's backend-service-based load balancer (cloud.google.com/l4-rbs) needs it
                    httpLoadBalancing: { disabled: false },
                    gcePersistentDiskCsiDriverConfig: { enabled: true },
                },
                resourceLabels: context.labels,
            },
            {
                parent: this,
                dependsOn: args.dependsOn,
                // nodeConfig describes only the removed default pool; later reads of it must not replace the cluster
                ignoreChanges: ["nodeConfig"],
            },
        );

        this.kubeconfig = gkeKubeconfig({
            contextName: `gke_${context.project}_${context.location}_${context.clusterName}`,
            endpoint: this.cluster.endpoint,
            caCertificate: this.cluster.masterAuth.clusterCaCertificate,
        });
        // named `<name>-k8s` as on every platform; the alias keeps stacks that planned it as `<name>` from replacing it
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this, aliases: [{ name }] });
        this.registerOutputs({ clusterName: this.cluster.name, endpoint: this.cluster.endpoint });
    }
}
