import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import { BoundIdentities } from "../bindings";
import { BackupLocation, BindingScope, MoveReadGrant, MoveReadRequest, ObjectStore, ServiceAccountRef, WorkloadIdentity } from "../contract";
import { BLOB_DATA_ACTIONS, blobCondition, CONTAINER_ACTIONS } from "./blob-conditions";
import { AzureContext } from "./context";
import { grantMoveRead } from "./move-grant";
import { DataStorage } from "./storage";

/** The ServiceAccount annotation naming the identity a pod's token is exchanged for (Azure Workload Identity). */
export const CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
/** Only pods with this label are given the token and the environment by AKS's webhook. */
export const USE_LABEL = "azure.workload.identity/use";
/** The audience Entra ID accepts Kubernetes tokens for. */
export const TOKEN_AUDIENCE = "api://AzureADTokenExchange";

/**
 * The container's URL as notebooks use it: adlfs/fsspec (`abfs://`) and Spark's ABFS driver (`abfss://`)
 * both read the account from the `<container>@<account>.dfs.core.windows.net` host. The `az://<container>/`
 * form works too, with the account from `AZURE_STORAGE_ACCOUNT_NAME` (set in the pods' environment).
 *
 * The dfs endpoint, though the account has a flat namespace (blob versioning needs one): the pinned hadoop-azure
 * 3.4.1 speaks only the Data Lake (dfs) API, which Azure serves for flat-namespace accounts too ("can be used with the
 * Data Lake Storage endpoint ... even if that account does not have a hierarchical namespace", azure-docs
 * data-lake-storage-introduction-abfs-uri.md); its Blob-endpoint mode for such accounts came after 3.4.1 (hadoop-azure
 * fns_blob.md). MLflow's `abfss://` repository uses the same API; adlfs reads only the account from the host and
 * talks to the blob endpoint. Renames on a flat namespace copy each blob: not atomic (Spark's v1 committer).
 */
export function containerUrl(account: string, container: string): string {
    return `abfs://${container}@${account}.dfs.core.windows.net/`;
}

/** How long assignments of the just-created custom role wait for it to be visible everywhere. */
export const ROLE_DEFINITION_WAIT = "2m";

/** Arguments of {@link BlobObjectStore}. */
export interface BlobObjectStoreArgs {
    /** Names, location and tags shared by the platform's resources. */
    context: AzureContext;
    /** The workbench's resource group, where the identities live. */
    resourceGroupName: pulumi.Input<string>;
    /** The account and container the bound identities may use. */
    storage: DataStorage;
    /** The cluster's OIDC issuer, which federated credentials trust. */
    oidcIssuerUrl: pulumi.Output<string>;
    /** Subscription and tenant of the deployment. */
    client: pulumi.Output<authorization.GetClientConfigResult>;
    /** The data resource group's id: where the bindings' custom role may be assigned. */
    dataResourceGroupId: pulumi.Input<string>;
    /** Parent of what bindings create: the platform. */
    parent: pulumi.Resource;
}

/**
 * The container as the shared layer sees it. Binding a ServiceAccount creates a user-assigned identity,
 * a federated credential that trusts exactly that ServiceAccount's tokens from this cluster's issuer, and
 * the workbench's blob data role on this container alone, with an ABAC condition for the binding's prefix or
 * excluded prefixes ({@link blobCondition}). AKS's webhook hands labelled pods the token file and
 * `AZURE_CLIENT_ID`/`AZURE_TENANT_ID`; no key exists (the account refuses shared keys).
 */
export class BlobObjectStore implements ObjectStore {
    readonly url: pulumi.Output<string>;
    readonly bucket: pulumi.Output<string>;
    readonly backupLocation: BackupLocation;
    /** The custom role every binding is given: blob data actions, no container-level write or delete. */
    readonly role: authorization.RoleDefinition;
    /**
     * A wait after the role's creation: role definitions are eventually consistent across Azure's authorization replicas
     * (Azure/azure-rest-api-specs#2135; "RoleDefinitionDoesNotExist" right after creation, pulumi/pulumi-azure#840). It
     * starts with the deployment and ends long before the bindings' credentials, which wait for the cluster.
     */
    private readonly roleReady: time.Sleep;
    private readonly bindings = new BoundIdentities();

    constructor(private readonly args: BlobObjectStoreArgs) {
        this.bucket = args.storage.containerName;
        this.url = pulumi.all([args.storage.accountName, args.storage.containerName]).apply(([account, container]) => containerUrl(account, container));
        // Velero's Azure plugin: the account by name, Entra ID (workload identity) instead of the account key
        this.backupLocation = {
            provider: "azure",
            config: { storageAccount: args.storage.accountName, resourceGroup: args.resourceGroupName, subscriptionId: args.client.subscriptionId, useAAD: "true" },
        };
        const { context, client, parent } = args;
        // Role names are unique in the tenant: the subscription and the data group make this one's.
        this.role = new authorization.RoleDefinition(
            `${context.name}-blob-data`,
            {
                scope: pulumi.interpolate`/subscriptions/${client.subscriptionId}`,
                roleName: pulumi.interpolate`workbench blob data ${context.dataResourceGroupName} ${client.subscriptionId}`,
                description: `Workbench ${context.name}: read, write and delete blobs; read the container, never create or delete it`,
                roleType: "CustomRole",
                permissions: [{ actions: [...CONTAINER_ACTIONS], dataActions: [...BLOB_DATA_ACTIONS] }],
                assignableScopes: [args.dataResourceGroupId],
            },
            { parent },
        );
        this.roleReady = new time.Sleep(`${context.name}-blob-data-propagation`, { createDuration: ROLE_DEFINITION_WAIT, triggers: { role: this.role.id } }, { parent, dependsOn: [this.role] });
    }

    bindServiceAccount(account: ServiceAccountRef, scope?: BindingScope): WorkloadIdentity {
        return this.bindings.of(account, scope, (key) => this.bind(account, key, scope));
    }

    grantMoveRead(request: MoveReadRequest): MoveReadGrant {
        const { context, resourceGroupName, storage, client, parent } = this.args;
        return grantMoveRead({ context, resourceGroupName, storage, client, request }, parent);
    }

    /** Creates the account's identity (once: {@link BoundIdentities}). */
    private bind(account: ServiceAccountRef, key: string, scope: BindingScope | undefined): WorkloadIdentity {

        const { context, storage, parent } = this.args;
        const name = `${context.name}-${account.namespace}-${account.name}`;
        const identity = new managedidentity.UserAssignedIdentity(
            name,
            {
                resourceGroupName: this.args.resourceGroupName,
                resourceName: `${context.clusterName}-${account.namespace}-${account.name}`.slice(0, 128),
                location: context.location,
                tags: context.tags,
            },
            { parent },
        );
        // One credential per identity, so Azure's refusal of concurrent credential writes on one identity cannot occur.
        const credential = new managedidentity.FederatedIdentityCredential(
            name,
            {
                resourceGroupName: this.args.resourceGroupName,
                resourceName: identity.name,
                federatedIdentityCredentialResourceName: `${account.namespace}-${account.name}`.slice(0, 120),
                issuer: this.args.oidcIssuerUrl,
                subject: `system:serviceaccount:${account.namespace}:${account.name}`,
                audiences: [TOKEN_AUDIENCE],
            },
            { parent },
        );
        const condition = blobCondition(scope);
        const grant = new authorization.RoleAssignment(
            name,
            {
                principalId: identity.principalId,
                // a just-created identity is not yet visible to Entra ID everywhere; the type skips that lookup
                principalType: "ServicePrincipal",
                roleDefinitionId: this.role.id,
                scope: storage.container.id,
                description: `ServiceAccount ${key} of AKS cluster ${context.clusterName}: the workbench container${scope?.prefix ? `, under ${scope.prefix}` : ""}`,
                ...(condition ? { condition, conditionVersion: "2.0" } : {}),
            },
            { parent, dependsOn: [...storage.protections, this.role, this.roleReady] },
        );
        const binding: WorkloadIdentity = {
            serviceAccountAnnotations: { [CLIENT_ID_ANNOTATION]: identity.clientId },
            podLabels: { [USE_LABEL]: "true" },
            // adlfs reads the account here for az:// URLs and uses DefaultAzureCredential when anonymous access is off;
            // AZURE_STORAGE_CLIENT_ID is left unset on purpose (adlfs would then look for a client secret)
            env: { AZURE_STORAGE_ACCOUNT_NAME: storage.accountName, AZURE_STORAGE_ANON: "false" },
            secretEnv: {},
            privateEgress: [],
            // the ABAC condition keeps a prefix binding to its prefix, and an excluding one out of the excluded prefixes
            reach: scope?.prefix !== undefined ? "prefix" : "bucket",
            excluded: true,
            principal: identity.clientId,
            readyWhen: [credential, grant],
        };
        return binding;
    }
}
