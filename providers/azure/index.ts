import * as authorization from "@pulumi/azure-native/authorization";
import type * as containerservice from "@pulumi/azure-native/containerservice";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigProblem } from "../../stacks/errors";
import type { StackSettings } from "../../stacks/load";
import type { WorkbenchConfig } from "../../stacks/schema";
import { checkKubernetesVersion, gpuClassesOn, staleCatalogWarning } from "../catalog";
import { GpuPool, ObjectStore, Platform, PlatformCluster, PlatformModule } from "../contract";
import { systemPoolSizing } from "../system-pool";
import { AKS_SNAPSHOT_CONTROLLER, azureDiskVolumeSnapshots, retainedStorageClass } from "./block-storage";
import { createBudget } from "./budget";
import { AksCluster } from "./cluster";
import { AzureContext, azureContext, MAX_STORAGE_PREFIX, storageAccountNameOf, storageAccountPrefixOf } from "./context";
import { BlobObjectStore } from "./identity";
import { maintenanceWindows } from "./maintenance";
import { agentPool } from "./node-pools";
import { gpuPoolOf, nodePoolOf, poolProblems, poolSpecs } from "./pools";
import { gpuQuotaWarnings } from "./quota";
import { AZURE_LOCATIONS, azureLocationProblems, azureLocationWarnings } from "./regions";
import { CONTRIBUTOR_ROLE, roleDefinitionId } from "./roles";
import { DataStorage } from "./storage";
import { AKS_SYSTEM_AGENTS } from "./system-agents";

/**
 * Annotations for the hub's public Service on AKS's Standard load balancer. A TCP health probe, said
 * explicitly: the proxy's HTTPS port answers TLS, which an HTTP probe (AKS's choice for ports with
 * `appProtocol: http`) would take for a failure.
 */
export const LOAD_BALANCER_ANNOTATIONS: Readonly<Record<string, string>> = {
    "service.beta.kubernetes.io/azure-load-balancer-health-probe-protocol": "tcp",
};

/** What the Azure platform's configuration check found, for the platform to build with. */
export interface AzureLookups {
    /** The AKS minor version: configured, or the catalog's default. */
    kubernetesVersion: string;
    /** The day the check ran: the budget starts in its month. */
    today: Date;
}

/**
 * The workbench on Azure: an AKS cluster (Free tier, Workload Identity, a network policy engine) whose
 * user and GPU pools scale from zero on spot capacity, Premium SSD volumes retained in their own resource
 * group, a private Blob container bound to the notebooks' ServiceAccount through Workload Identity, and
 * a budget over every resource group the workbench spends in.
 */
export class AzurePlatform extends pulumi.ComponentResource implements Platform {
    readonly cloud = "azure" as const;
    readonly cluster: PlatformCluster;
    readonly gpuPools: GpuPool[];
    readonly objectStore: ObjectStore;
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, settings: StackSettings, found: AzureLookups, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:azure:Platform", name, {}, opts);
        const { config } = settings;
        const context: AzureContext = azureContext(name, settings);
        const pools = poolSpecs(config);
        const client = authorization.getClientConfigOutput({ parent: this });
        const retainOnDelete = config.storage.retainOnDestroy;

        const group = new resources.ResourceGroup(
            `${name}-rg`,
            { resourceGroupName: context.resourceGroupName, location: context.location, tags: context.tags },
            { parent: this },
        );
        // Deleting a resource group deletes what is in it: retained data gets groups of its own, retained with it.
        const dataGroup = new resources.ResourceGroup(
            `${name}-data-rg`,
            { resourceGroupName: context.dataResourceGroupName, location: context.location, tags: context.tags },
            { parent: this, retainOnDelete },
        );
        const volumesGroup = new resources.ResourceGroup(
            `${name}-volumes-rg`,
            { resourceGroupName: context.volumesResourceGroupName, location: context.location, tags: context.tags },
            { parent: this, retainOnDelete },
        );

        const aks = new AksCluster(
            name,
            { context, resourceGroupName: group.name, resourceGroupId: group.id, kubernetesVersion: found.kubernetesVersion, azure: config.azure, systemPool: pools.system, client },
            { parent: this },
        );
        // One pool at a time: AKS refuses an agent-pool operation while another runs ("409 OperationNotAllowed: Another
        // agentpool operation ... is in progress", cilium/cilium#25944, Azure/AKS#1913), and azure-native retries a 409
        // only for AnotherOperationInProgress (pulumi-azure-native client_azcore.go shouldRetryConflict).
        const agentPools: containerservice.AgentPool[] = [];
        for (const spec of [pools.user, ...pools.gpu, ...(pools.serving ? [pools.serving] : [])]) {
            const previous = agentPools.at(-1);
            agentPools.push(
                agentPool(
                    `${name}-${spec.role === "gpu" ? `gpu-${spec.name}` : spec.name}`,
                    { resourceGroupName: group.name, clusterName: aks.clusterName, pool: spec, after: previous ? [previous] : [] },
                    this,
                ),
            );
        }
        // the GPU pools', then the serving pool's when configured
        const [userNodes, ...otherPools] = agentPools;
        maintenanceWindows(name, { resourceGroupName: group.name, clusterName: aks.clusterName, window: config.azure.maintenanceWindow }, this);

        // The control plane's identity makes the retained disks, in the volumes group (Azure Disk CSI `resourceGroup`).
        const volumesRole = new authorization.RoleAssignment(
            `${name}-volumes-contributor`,
            {
                principalId: aks.principalId,
                principalType: "ServicePrincipal",
                roleDefinitionId: roleDefinitionId(client, CONTRIBUTOR_ROLE),
                scope: volumesGroup.id,
                description: `AKS cluster ${context.clusterName}: retained disks of the workbench`,
            },
            { parent: this },
        );
        const storageClass = retainedStorageClass(name, { resourceGroupName: volumesGroup.name, provider: aks.provider, dependsOn: [volumesRole] }, this);

        this.cluster = {
            name: aks.clusterName,
            provider: aks.provider,
            kubeconfig: aks.kubeconfig,
            retainedStorageClass: storageClass.metadata.name,
            kubernetesVersion: found.kubernetesVersion,
            systemPool: nodePoolOf(pools.system),
            systemAgents: AKS_SYSTEM_AGENTS,
            userPool: nodePoolOf(pools.user),
            ...(pools.serving ? { servingPool: nodePoolOf(pools.serving) } : {}),
            capabilities: {
                // AKS installs the NVIDIA driver on GPU pools, not the device plugin
                nvidiaDevicePlugin: pools.gpu.length > 0,
                // no clusterAutoscaler request: AKS runs the autoscaler itself (the cluster's autoScalerProfile)
                // Workload Identity exchanges a projected token with Entra ID; pods never need the metadata server
                podsNeedMetadataServer: false,
            },
            hubService: { type: "LoadBalancer", annotations: { ...LOAD_BALANCER_ANNOTATIONS } },
            // the API server is public: the policies' internet egress reaches it
            apiServerEgress: [],
            oidcIssuer: aks.oidcIssuerUrl,
            volumeSnapshots: azureDiskVolumeSnapshots(volumesGroup.name),
            readyWhen: [aks.cluster, ...aks.readyWhen, userNodes, ...otherPools, storageClass],
        };
        this.gpuPools = pools.gpu.map(gpuPoolOf);

        const accountName = client.subscriptionId.apply((subscription) => storageAccountNameOf(context.storageAccountPrefix, subscription, context.resourceGroupName));
        const storage = new DataStorage(`${name}-data`, { context, resourceGroupName: dataGroup.name, accountName, storage: config.storage }, { parent: this });
        this.objectStore = new BlobObjectStore({ context, resourceGroupName: group.name, storage, oidcIssuerUrl: aks.oidcIssuerUrl, client, dataResourceGroupId: dataGroup.id, parent: this });

        createBudget(
            `${name}-budget`,
            {
                context,
                budget: config.budget,
                subscriptionId: client.subscriptionId,
                resourceGroupNames: [group.name, aks.nodeResourceGroup, dataGroup.name, volumesGroup.name],
                today: found.today,
            },
            this,
        );

        this.outputs = { kubeconfig: aks.kubeconfig, clusterName: aks.clusterName, location: context.location, resourceGroup: group.name, storageAccount: storage.accountName };
        this.registerOutputs({ clusterName: aks.clusterName, location: context.location, storageAccount: storage.accountName });
    }
}

/** What Azure refuses in names the workbench derives from `workbench:name`. */
function nameProblems(name: string | undefined): ConfigProblem[] {
    if (name === undefined) return [];
    const prefix = storageAccountPrefixOf(name);
    return prefix.length > MAX_STORAGE_PREFIX
        ? [
              {
                  key: "workbench:name",
                  given: name,
                  allowed:
                      `at most ${MAX_STORAGE_PREFIX} letters and digits on Azure ('-' not counted): the storage account is named ` +
                      `${prefix} plus ${24 - MAX_STORAGE_PREFIX} characters, and Azure allows 24; e.g. pulumi config set workbench:name ${prefix.slice(0, MAX_STORAGE_PREFIX)}`,
              },
          ]
        : [];
}

/** The subscription the deployment runs in, or the reason it could not be read. */
async function subscriptionOf(): Promise<string | Error> {
    try {
        return (await authorization.getClientConfig()).subscriptionId;
    } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
    }
}

/**
 * Everything Azure would refuse that the schema cannot see, checked before any resource exists: a spot
 * system pool, GPU pool names AKS cannot take, a `workbench:name` too long for a storage account, and the
 * Kubernetes minor against AKS's support window. Looked up: each GPU pool's vCPU quota in the location, which
 * is warned about, not refused (quota can be raised after the plan). Warned: a restricted location, and a
 * location catalog past its age. (`azure-native:location` against the catalog and GPU classes Azure has no size
 * for are cross-key rules of the configuration.)
 */
export const prepare: PlatformModule["prepare"] = async ({ parsed, provider, today }) => {
    const location = provider.azureLocation;
    // an unknown location is a problem of the configuration's rules (stacks/rules.ts), from the same catalog
    const locationKnown = location !== undefined && azureLocationProblems(location).length === 0;
    const version = checkKubernetesVersion("azure", parsed.kubernetesVersion, today);
    const problems = [
        ...poolProblems(parsed),
        ...nameProblems(parsed.name),
        // an invalid version string is reported by the schema; an absent key means exactly that
        ...("kubernetesVersion" in parsed ? version.problems : []),
    ];
    const warnings = [...version.warnings, ...staleCatalogWarning("Azure locations", AZURE_LOCATIONS, today)];
    if (location !== undefined && locationKnown) {
        warnings.push(...azureLocationWarnings(location));
        const gpuPools = (parsed.gpuPools ?? []).filter((pool) => gpuClassesOn("azure").includes(pool.gpu));
        if (gpuPools.length > 0) {
            const subscription = await subscriptionOf();
            warnings.push(
                ...(subscription instanceof Error
                    ? [`Could not check the GPU quota in ${location}: the subscription could not be read (${subscription.message.split("\n")[0]}); check with az vm list-usage -l ${location} -o table.`]
                    : await gpuQuotaWarnings(gpuPools, location, subscription)),
            );
        }
    }
    if (parsed.azure?.networkPolicy === "azure") {
        warnings.push("Azure Network Policy Manager (workbench:azure.networkPolicy azure) retires on Linux on 2028-09-30 (AKS use-network-policies): cilium is the default and the way forward.");
    }
    const { systemPool, userPool, gpuPools } = parsed;
    const poolsKnown = systemPool !== undefined && userPool !== undefined && gpuPools !== undefined && gpuPools.every((pool) => gpuClassesOn("azure").includes(pool.gpu));
    const serving = poolsKnown && parsed.servingPool ? poolSpecs(parsed as WorkbenchConfig).serving : undefined;
    return {
        problems,
        warnings,
        ...(serving ? { servingPool: nodePoolOf(serving) } : {}),
        // the system pool as the agent pool is built from it, with AKS's own pods (AKS scales pools itself)
        systemPool:
            poolsKnown && systemPool
                ? systemPoolSizing(parsed as WorkbenchConfig, {
                      poolAt: (size) => nodePoolOf(poolSpecs({ ...(parsed as WorkbenchConfig), systemPool: { ...systemPool, size } }).system),
                      agents: AKS_SYSTEM_AGENTS,
                      installsAutoscaler: false,
                  })
                : undefined,
        volumeSnapshots: AKS_SNAPSHOT_CONTROLLER,
        create: (name, settings) => new AzurePlatform(name, settings, { kubernetesVersion: version.minor, today }),
    };
};
