import { ResourceRequests } from "../contract";

/*
 * What GKE's own pods request on the system pool. The user and GPU pools are tainted, so every GKE
 * Deployment in kube-system lands on the system nodes; its DaemonSets run on every node.
 */

/**
 * GKE's DaemonSets on one node (fluentbit-gke, gke-metadata-server, gke-metrics-agent, pdcsi-node,
 * anetd and netd on Dataplane V2, ip-masq-agent): 443m CPU and 596 MiB measured on a GKE node by
 * 2i2c-org/infrastructure `node-capacity-info.json` ("measured_overhead", n2-highmem-4); per-pod figures
 * agree with the `kubectl describe node` listing in cryptnono/cryptnono#34 (GKE 1.29).
 */
export const GKE_DAEMONSETS_PER_NODE: ResourceRequests = { cpuMillis: 443, memoryMiB: 596, pods: 7 };

/**
 * GKE's own pods on each GPU node besides {@link GKE_DAEMONSETS_PER_NODE}: its NVIDIA device plugin (50m CPU,
 * 20 MiB: GoogleCloudPlatform/container-engine-accelerators cmd/nvidia_gpu/device-plugin.yaml, which notes it
 * is not GKE's source of truth) and, with GKE-managed drivers, the driver installer, whose init containers
 * request 150m CPU (nvidia-driver-installer/cos/daemonset-preloaded.yaml): a pod's effective request is the
 * larger of its init containers' and the sum of its containers', so it keeps 150m while it exists. Not
 * measured on a GKE 1.35 T4 node: check with `kubectl describe node` on the first one.
 */
export const GKE_GPU_DAEMONSETS: ResourceRequests = { cpuMillis: 50 + 150, memoryMiB: 20, pods: 2 };

/**
 * GKE's Deployments, all on the system pool: kube-dns (two replicas as soon as a user node joins,
 * 260m/110Mi each) and its autoscaler (20m/10Mi), konnectivity-agent (two, 15m/60Mi each) and its
 * autoscaler (10m/10Mi), per cryptnono/cryptnono#34; metrics-server with its nanny (48m/105Mi) and the
 * L7 default backend of HTTP load balancing (10m/20Mi) [figures from the GKE add-on manifests as
 * commonly listed; not checked against a 1.35 node].
 */
export const GKE_DEPLOYMENTS: ResourceRequests = {
    cpuMillis: 2 * 260 + 20 + 2 * 15 + 10 + 48 + 10,
    memoryMiB: 2 * 110 + 10 + 2 * 60 + 10 + 105 + 20,
    pods: 2 + 1 + 2 + 1 + 1 + 1,
};

/** What GKE's own pods request on a system pool of `nodes` nodes, all together. */
export function gkeSystemAgents(nodes: number): ResourceRequests {
    return {
        cpuMillis: nodes * GKE_DAEMONSETS_PER_NODE.cpuMillis + GKE_DEPLOYMENTS.cpuMillis,
        memoryMiB: nodes * GKE_DAEMONSETS_PER_NODE.memoryMiB + GKE_DEPLOYMENTS.memoryMiB,
        pods: nodes * GKE_DAEMONSETS_PER_NODE.pods + GKE_DEPLOYMENTS.pods,
    };
}
