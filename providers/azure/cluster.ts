import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import type { WorkbenchConfig } from "../../stacks/schema";
import { AzureContext } from "./context";
import { nonInteractiveKubeconfig } from "./kubeconfig";
import { PoolSpec, taintString } from "./pools";
import { roleDefinitionId } from "./roles";

/** Built-in role "Azure Kubernetes Service RBAC Cluster Admin" (Azure built-in roles). */
export const AKS_RBAC_CLUSTER_ADMIN_ROLE = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

/**
 * How long the Kubernetes provider waits after the deployer's cluster-admin grant: "New role assignments can take
 * up to five minutes to propagate and be updated by the authorization server" (AKS manage-azure-rbac, Before you
 * begin). The wait starts with the resource group, so it runs while AKS creates the cluster (5-10 minutes) and
 * costs a first `pulumi up` nothing; it runs again only when the grant is replaced (another deployer).
 */
export const RBAC_PROPAGATION_WAIT = "5m";

/**
 * Application ids of the Azure CLI and Azure PowerShell (first-party Microsoft apps): when getClientConfig
 * reports one of them, `pulumi up` runs as a signed-in user; any other id is a service principal or a
 * managed identity (CI). Role assignments must name the principal's type correctly or Azure refuses them.
 */
export const USER_SIGN_IN_CLIENT_IDS: readonly string[] = ["04b07795-8ddb-461a-bbee-02f9e1bf7b46", "1950a258-227b-4e31-a9cf-717495945fc2"];

/** Pod addresses of Azure CNI Overlay: private, and apart from the VNet AKS creates (10.224.0.0/12) and its services (10.0.0.0/16). */
export const POD_CIDR = "192.168.0.0/16";

/**
 * The cluster autoscaler's settings for every autoscaled pool (AKS sets them per cluster, not per pool).
 * A node nothing needs is removed after 5 minutes instead of 10, and a new node may go 5 minutes after
 * it came; DaemonSets do not count as use, and emptyDir scratch space does not keep a node (AKS
 * cluster-autoscaler, "aggressive" profile, softened so a notebook starting on a new node is not raced).
 * Values are strings, as the API takes them.
 */
export const AUTOSCALER_PROFILE = {
    scanInterval: "20s",
    scaleDownDelayAfterAdd: "5m",
    scaleDownDelayAfterFailure: "1m",
    scaleDownUnneededTime: "5m",
    scaleDownUnreadyTime: "5m",
    skipNodesWithLocalStorage: "false",
    expander: "least-waste",
    ignoreDaemonsetsUtilization: true,
} as const;

/** The agent pool settings shared by the inline system pool and the AgentPool resources. */
export function agentPoolSettings(pool: PoolSpec) {
    return {
        vmSize: pool.vmSize,
        osType: "Linux",
        osDiskType: pool.osDiskType,
        osDiskSizeGB: pool.osDiskSizeGB,
        type: "VirtualMachineScaleSets",
        maxPods: pool.maxPods,
        nodeLabels: pool.nodeLabels,
        nodeTaints: pool.taints.map(taintString),
    };
}

/** Arguments of {@link AksCluster}. */
export interface AksClusterArgs {
    /** Names, location and tags shared by the platform's resources. */
    context: AzureContext;
    /** The resource group the cluster lives in. */
    resourceGroupName: pulumi.Input<string>;
    /** Its id: the deployer's cluster-admin grant is scoped to it, so it exists before the cluster does. */
    resourceGroupId: pulumi.Input<string>;
    /** Kubernetes minor version (the catalog's default or `workbench:kubernetesVersion`). */
    kubernetesVersion: string;
    /** `workbench:azure`. */
    azure: WorkbenchConfig["azure"];
    /** The always-on system pool, declared inline (AKS needs one System pool at creation). */
    systemPool: PoolSpec;
    /** Subscription and tenant of the deployment, and the principal `pulumi up` runs as. */
    client: pulumi.Output<authorization.GetClientConfigResult>;
}

/**
 * The AKS control plane with its system pool, and a Kubernetes provider for it.
 *
 * - Free tier by default (no fee, no SLA); Standard from `workbench:azure.tier`.
 * - OIDC issuer and the Workload Identity webhook on, for the notebooks' identity.
 * - Azure CNI Overlay with the network policy engine of `workbench:azure.networkPolicy` (Cilium by
 *   default, which needs the Cilium dataplane), so z2jh's NetworkPolicies are enforced.
 * - A system-assigned identity for the control plane; the public API server (the shared layer's
 *   internet egress covers it, so `apiServerEgress` is empty).
 * - Entra ID sign-in with Azure RBAC and local accounts disabled, unless `workbench:azure.localAccounts`:
 *   no static admin certificate exists, and the deploying principal is made cluster admin through Azure
 *   RBAC. The kubeconfig is then an exec one that runs `kubelogin` (on PATH); the provider's copy signs in
 *   with `workbench:azure.kubeloginMethod` (azurecli after `az login`, workloadidentity/spn in CI; docs/azure.md).
 * - Only the system pool inline; user and GPU pools are AgentPool resources (editing an inline pool puts
 *   every pool into Scaling: pulumi-azure-native#4264).
 */
export class AksCluster extends pulumi.ComponentResource {
    /** The managed cluster, for `dependsOn`. */
    readonly cluster: containerservice.ManagedCluster;
    /** The cluster's name as AKS knows it. */
    readonly clusterName: pulumi.Output<string>;
    /** The OIDC issuer URL federated credentials trust. */
    readonly oidcIssuerUrl: pulumi.Output<string>;
    /** The resource group AKS puts nodes, disks, the load balancer and its IPs in. */
    readonly nodeResourceGroup: pulumi.Output<string>;
    /** The control plane's managed identity (its principal id), which manages disks and load balancers. */
    readonly principalId: pulumi.Output<string>;
    /** Kubeconfig, a secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** Provider every Kubernetes resource of the workbench uses. */
    readonly provider: k8s.Provider;
    /**
     * What must exist before Kubernetes resources are created: the deployer's cluster role and the wait for it to
     * reach AKS's authorizer, when Entra ID is used.
     */
    readonly readyWhen: pulumi.Resource[];

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:azure:Cluster", name, {}, opts);
        const { context, azure, systemPool, client } = args;
        const entra = !azure.localAccounts;

        this.cluster = new containerservice.ManagedCluster(
            `${name}-aks`,
            {
                resourceGroupName: args.resourceGroupName,
                resourceName: context.clusterName,
                location: context.location,
                // 1-54 letters, digits and '-', starting and ending with a letter or digit
                dnsPrefix: context.clusterName.toLowerCase().replace(/_/g, "-").slice(0, 54).replace(/-+$/, ""),
                kubernetesVersion: args.kubernetesVersion,
                sku: { name: "Base", tier: azure.tier },
                identity: { type: "SystemAssigned" },
                enableRBAC: true,
                oidcIssuerProfile: { enabled: true },
                securityProfile: { workloadIdentity: { enabled: true } },
                aadProfile: { managed: true, enableAzureRBAC: true, tenantID: client.tenantId },
                disableLocalAccounts: entra,
                networkProfile: {
                    networkPlugin: "azure",
                    networkPluginMode: "overlay",
                    podCidr: POD_CIDR,
                    // Cilium policies need the Cilium dataplane; Calico and Azure NPM run on Azure's
                    networkDataplane: azure.networkPolicy === "cilium" ? "cilium" : "azure",
                    networkPolicy: azure.networkPolicy,
                    loadBalancerSku: "standard",
                    outboundType: "loadBalancer",
                },
                autoScalerProfile: AUTOSCALER_PROFILE,
                // patch releases and node images follow automatically; minors are the stack's choice
                autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
                agentPoolProfiles: [
                    {
                        name: systemPool.agentPoolName,
                        mode: "System",
                        count: systemPool.minNodes,
                        enableAutoScaling: false,
                        ...agentPoolSettings(systemPool),
                    },
                ],
                tags: context.tags,
            },
            { parent: this },
        );

        this.clusterName = this.cluster.name;
        this.nodeResourceGroup = this.cluster.nodeResourceGroup.apply((group) => {
            if (!group) throw new Error(`AKS cluster ${context.clusterName} reports no node resource group`);
            return group;
        });
        this.principalId = this.cluster.identity.apply((identity) => {
            if (!identity?.principalId) throw new Error(`AKS cluster ${context.clusterName} reports no managed identity`);
            return identity.principalId;
        });
        this.oidcIssuerUrl = this.cluster.oidcIssuerProfile.apply((oidc) => {
            if (!oidc?.issuerURL) throw new Error(`AKS cluster ${context.clusterName} reports no OIDC issuer URL`);
            return oidc.issuerURL;
        });

        this.readyWhen = [];
        if (entra) {
            // The deploying principal needs a cluster role once local accounts are off. Granted on the resource group
            // (Azure RBAC for Kubernetes honours inherited assignments), so it does not wait for the cluster, and the
            // Kubernetes provider waits out its propagation while AKS builds the cluster.
            const admin = new authorization.RoleAssignment(
                `${name}-deployer-admin`,
                {
                    principalId: client.objectId,
                    principalType: client.clientId.apply((id) => (USER_SIGN_IN_CLIENT_IDS.includes(id) ? "User" : "ServicePrincipal")),
                    roleDefinitionId: roleDefinitionId(client, AKS_RBAC_CLUSTER_ADMIN_ROLE),
                    scope: args.resourceGroupId,
                    description: `pulumi up of workbench ${context.name}: cluster admin of the AKS clusters in this group through Azure RBAC`,
                },
                { parent: this },
            );
            const propagated = new time.Sleep(
                `${name}-deployer-admin-propagation`,
                { createDuration: RBAC_PROPAGATION_WAIT, triggers: { assignment: admin.id } },
                { parent: this, dependsOn: [admin] },
            );
            this.readyWhen.push(admin, propagated);
        }

        const credentials = entra
            ? containerservice.listManagedClusterUserCredentialsOutput({ resourceGroupName: args.resourceGroupName, resourceName: this.cluster.name, format: "exec" }, { parent: this })
            : containerservice.listManagedClusterAdminCredentialsOutput({ resourceGroupName: args.resourceGroupName, resourceName: this.cluster.name }, { parent: this });
        this.kubeconfig = pulumi.secret(
            credentials.apply((result) => {
                const [first] = result.kubeconfigs ?? [];
                if (!first) throw new Error(`AKS returned no kubeconfig for ${context.clusterName}`);
                return Buffer.from(first.value, "base64").toString("utf8");
            }),
        );
        // The exported kubeconfig stays as AKS returns it (a person at a terminal can answer devicecode); the provider's
        // signs in without a prompt.
        const providerKubeconfig = entra ? pulumi.secret(this.kubeconfig.apply((text) => nonInteractiveKubeconfig(text, azure.kubeloginMethod))) : this.kubeconfig;
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: providerKubeconfig }, { parent: this, dependsOn: [this.cluster, ...this.readyWhen] });
        this.registerOutputs({ clusterName: this.clusterName, oidcIssuerUrl: this.oidcIssuerUrl, kubeconfig: this.kubeconfig });
    }
}
