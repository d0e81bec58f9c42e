import { ARM_GET_TOKEN, ArmError } from "../../providers/azure/arm";
import type { ComputeUsage } from "../../providers/azure/quota";
import { AZURE_LOCATION_DETAILS } from "../../providers/azure/regions";
import { hexOf } from "./aws";
import { MockContext, PackageMocks, ResourceMock } from "./types";

/*
 * Answers for @pulumi/azure-native: the outputs Azure Resource Manager would add (resource ids,
 * identity ids, the cluster's OIDC issuer and node resource group), shaped as azure-native returns
 * them, for a fixed example subscription and tenant and the stack's azure-native:location.
 */

/** The subscription every mocked resource id belongs to. */
export const MOCK_SUBSCRIPTION_ID = "00000000-1111-2222-3333-444444444444";
/** The Entra ID tenant of the mocked subscription. */
export const MOCK_TENANT_ID = "72f988bf-0000-4000-8000-00000000cafe";
/** The principal `pulumi up` runs as (an `az login` user), as getClientConfig reports it. */
export const MOCK_DEPLOYER_OBJECT_ID = "a1b2c3d4-0000-4000-8000-00000000d3b1";

/** A GUID derived from a name, so ids differ per resource and stay equal between runs. */
function guidOf(text: string): string {
    const hex = hexOf(text, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The stack's location, as the provider reads it from `azure-native:location`. */
function locationOf(context: MockContext): string {
    return context.config["azure-native:location"] ?? "eastus";
}

const str = (value: unknown, fallback: string): string => (typeof value === "string" ? value : fallback);

/** An Azure Resource Manager id in the mocked subscription. */
function armId(resourceGroup: unknown, provider: string): string {
    return `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${str(resourceGroup, "rg")}/providers/${provider}`;
}

const managedCluster: ResourceMock = (args, context) => {
    const location = str(args.inputs.location, locationOf(context));
    const group = str(args.inputs.resourceGroupName, "rg");
    const name = str(args.inputs.resourceName, args.name);
    const oidc = (args.inputs.oidcIssuerProfile ?? {}) as { enabled?: boolean };
    // as Azure refuses a location it does not have (the configuration check refuses it first)
    if (!(location in AZURE_LOCATION_DETAILS)) throw new Error(`LocationNotAvailableForResourceType: the location '${location}' is not available for resource type 'Microsoft.ContainerService/managedClusters'`);
    return {
        id: armId(group, `Microsoft.ContainerService/managedClusters/${name}`),
        name,
        location,
        // AKS names the node resource group MC_<group>_<cluster>_<location> unless it is set
        nodeResourceGroup: str(args.inputs.nodeResourceGroup, `MC_${group}_${name}_${location}`),
        fqdn: `${str(args.inputs.dnsPrefix, name)}-${hexOf(name, 8)}.hcp.${location}.azmk8s.io`,
        provisioningState: "Succeeded",
        oidcIssuerProfile: { ...oidc, issuerURL: oidc.enabled ? `https://${location}.oic.prod-aks.azure.com/${MOCK_TENANT_ID}/${guidOf(`${name}-oidc`)}/` : undefined },
        identity: { ...((args.inputs.identity ?? {}) as object), principalId: guidOf(`${name}-principal`), tenantId: MOCK_TENANT_ID },
        identityProfile: { kubeletidentity: { clientId: guidOf(`${name}-kubelet-client`), objectId: guidOf(`${name}-kubelet-object`) } },
    };
};

const identity: ResourceMock = (args) => ({
    name: str(args.inputs.resourceName, args.name),
    clientId: guidOf(`${args.name}-client`),
    principalId: guidOf(`${args.name}-principal`),
    tenantId: MOCK_TENANT_ID,
});

const storageAccount: ResourceMock = (args) => {
    const name = str(args.inputs.accountName, args.name);
    return {
        id: armId(args.inputs.resourceGroupName, `Microsoft.Storage/storageAccounts/${name}`),
        name,
        primaryEndpoints: { blob: `https://${name}.blob.core.windows.net/`, dfs: `https://${name}.dfs.core.windows.net/` },
        provisioningState: "Succeeded",
    };
};

/**
 * The Compute usages of a location, shaped as Azure returns them (`az vm list-usage` prints this list;
 * Azure/azure-rest-api-specs#25455 shows the shape), for a pay-as-you-go subscription that has been granted GPU
 * quota: the offline plan cannot know the real subscription's, so it answers as one where the shipped stack fits
 * (the quota check's warnings are tested with other answers in test/azure-quota.test.ts).
 */
export function mockComputeUsages(): { value: ComputeUsage[] } {
    const usage = (value: string, localizedValue: string, limit: number, currentValue = 0): ComputeUsage => ({ limit, unit: "Count", currentValue, name: { value, localizedValue } });
    return {
        value: [
            usage("availabilitySets", "Availability Sets", 2500),
            usage("cores", "Total Regional vCPUs", 100),
            usage("virtualMachines", "Virtual Machines", 25000),
            usage("virtualMachineScaleSets", "Virtual Machine Scale Sets", 2500),
            usage("lowPriorityCores", "Total Regional Low-priority vCPUs", 100),
            usage("standardDASv5Family", "Standard DASv5 Family vCPUs", 100),
            usage("standardNCASv3_T4Family", "Standard NCASv3_T4 Family vCPUs", 16),
            usage("StandardNVADSA10v5Family", "Standard NVADSA10v5 Family vCPUs", 72),
            usage("StandardNCADSA100v4Family", "Standard NCADS_A100_v4 Family vCPUs", 48),
            usage("standardNCadsH100v5Family", "Standard NCadsH100v5 Family vCPUs", 80),
        ],
    };
}

/** Answers the workbench's own ARM reads (providers/azure/arm.ts): the Compute usages of a catalog location. */
function armGet(path: string): Record<string, unknown> {
    const usages = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/locations\/([^/?]+)\/usages\?/.exec(path);
    if (!usages) throw new ArmError(`the plan has no answer for GET ${path}: add one in plan/mocks/azure.ts`);
    const location = usages[1];
    // as Azure answers a location it does not have
    if (!(location in AZURE_LOCATION_DETAILS)) throw new ArmError(`No registered resource provider found for location '${location}'`, 400, "NoRegisteredProviderFound");
    return mockComputeUsages() as unknown as Record<string, unknown>;
}

/** A kubeconfig as AKS returns it: base64 of the YAML document. */
function kubeconfigValue(cluster: string, user: string, exec: boolean): string {
    const credentials = exec
        ? `    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --login, devicecode]\n`
        : `    client-certificate-data: bW9jay1jZXJ0\n    client-key-data: bW9jay1rZXk=\n    token: mock-token\n`;
    const yaml =
        `apiVersion: v1\nkind: Config\nclusters:\n- name: ${cluster}\n  cluster:\n    server: https://${cluster}-dns.hcp.eastus.azmk8s.io:443\n    certificate-authority-data: bW9jay1jYQ==\n` +
        `contexts:\n- name: ${cluster}\n  context:\n    cluster: ${cluster}\n    user: ${user}\ncurrent-context: ${cluster}\nusers:\n- name: ${user}\n  user:\n${credentials}`;
    return Buffer.from(yaml).toString("base64");
}

/** Answers for @pulumi/azure-native. */
export const azureMocks: PackageMocks = {
    prefix: "azure-native:",
    resources: {
        "azure-native:resources:ResourceGroup": (args, context) => ({
            id: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${str(args.inputs.resourceGroupName, args.name)}`,
            name: str(args.inputs.resourceGroupName, args.name),
            location: str(args.inputs.location, locationOf(context)),
        }),
        "azure-native:containerservice:ManagedCluster": managedCluster,
        "azure-native:containerservice:AgentPool": (args) => ({ name: str(args.inputs.agentPoolName, args.name), provisioningState: "Succeeded" }),
        "azure-native:storage:StorageAccount": storageAccount,
        "azure-native:storage:BlobContainer": (args) => {
            const name = str(args.inputs.containerName, args.name);
            const account = str(args.inputs.accountName, "account");
            return { id: armId(args.inputs.resourceGroupName, `Microsoft.Storage/storageAccounts/${account}/blobServices/default/containers/${name}`), name };
        },
        "azure-native:managedidentity:UserAssignedIdentity": identity,
        "azure-native:managedidentity:FederatedIdentityCredential": (args) => ({ name: str(args.inputs.federatedIdentityCredentialResourceName, args.name) }),
        "azure-native:authorization:RoleAssignment": (args) => ({ name: str(args.inputs.roleAssignmentName, guidOf(args.name)) }),
        // a custom role's id is its scope's roleDefinitions/<guid>, as role assignments name it
        "azure-native:authorization:RoleDefinition": (args) => {
            const name = str(args.inputs.roleDefinitionId, guidOf(args.name));
            return { id: `${str(args.inputs.scope, `/subscriptions/${MOCK_SUBSCRIPTION_ID}`)}/providers/Microsoft.Authorization/roleDefinitions/${name}`, name, type: "Microsoft.Authorization/roleDefinitions" };
        },
        "azure-native:consumption:Budget": (args) => ({ name: str(args.inputs.budgetName, args.name) }),
    },
    invokes: {
        [ARM_GET_TOKEN]: (args) => armGet(str(args.inputs.path, "")),
        "azure-native:authorization:getClientToken": () => ({ token: "mock-arm-token" }),
        "azure-native:authorization:getClientConfig": () => ({
            clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            objectId: MOCK_DEPLOYER_OBJECT_ID,
            subscriptionId: MOCK_SUBSCRIPTION_ID,
            tenantId: MOCK_TENANT_ID,
        }),
        "azure-native:containerservice:listManagedClusterUserCredentials": (args) => {
            const cluster = str(args.inputs.resourceName, "cluster");
            return { kubeconfigs: [{ name: "clusterUser", value: kubeconfigValue(cluster, `clusterUser_${cluster}`, args.inputs.format === "exec") }] };
        },
        "azure-native:containerservice:listManagedClusterAdminCredentials": (args) => {
            const cluster = str(args.inputs.resourceName, "cluster");
            return { kubeconfigs: [{ name: "clusterAdmin", value: kubeconfigValue(cluster, `clusterAdmin_${cluster}`, false) }] };
        },
    },
};
