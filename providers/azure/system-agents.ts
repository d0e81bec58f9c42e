import { ResourceRequests } from "../contract";

/**
 * What AKS's own pods request on the system pool (one node of an Azure CNI Overlay cluster with Cilium):
 * the DaemonSets (cilium, azure-cns, the Azure Disk and Azure File CSI node plugins, cloud-node-manager,
 * azure-ip-masq-agent) and the Deployments (coredns ×2 and its autoscaler, konnectivity-agent ×2,
 * metrics-server ×2, cilium-operator, the Workload Identity webhook ×2). AKS publishes no manifest for
 * these and notes/aks-facts.md marks their sum unverified: the figures are the upstream charts' requests
 * rounded up, an estimate to check with `kubectl describe node` on a real cluster.
 */
export const AKS_SYSTEM_AGENTS: ResourceRequests = {
    // cilium 100m, azure-cns 40m, csi-azuredisk-node 30m, csi-azurefile-node 30m, cloud-node-manager 50m, ip-masq 100m,
    // coredns 2×100m, coredns-autoscaler 20m, konnectivity-agent 2×20m, metrics-server 2×50m, cilium-operator 100m, wi-webhook 2×100m
    cpuMillis: 100 + 40 + 30 + 30 + 50 + 100 + 200 + 20 + 40 + 100 + 100 + 200,
    // cilium 300Mi, azure-cns 250Mi, csi nodes 2×60Mi, cloud-node-manager 50Mi, ip-masq 50Mi,
    // coredns 2×70Mi, coredns-autoscaler 10Mi, konnectivity-agent 2×20Mi, metrics-server 2×70Mi, cilium-operator 128Mi, wi-webhook 2×20Mi
    memoryMiB: 300 + 250 + 120 + 50 + 50 + 140 + 10 + 40 + 140 + 128 + 40,
    pods: 6 + 2 + 1 + 2 + 2 + 1 + 2,
};
