import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import { BoundIdentities } from "../bindings";
import { BindingScope, ObjectStore, ServiceAccountRef, WorkloadIdentity } from "../contract";
import { AzureContext } from "./context";
import { roleDefinitionId, STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE } from "./roles";
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
 */
export function containerUrl(account: string, container: string): string {
    return `abfs://${container}@${account}.dfs.core.windows.net/`;
}

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
    /** Parent of what bindings create: the platform. */
    parent: pulumi.Resource;
}

/**
 * The container as the shared layer sees it. Binding a ServiceAccount creates a user-assigned identity,
 * a federated credential that trusts exactly that ServiceAccount's tokens from this cluster's issuer, and
 * "Storage Blob Data Contributor" on this container alone. AKS's webhook hands labelled pods the token
 * file and `AZURE_CLIENT_ID`/`AZURE_TENANT_ID`; no key exists (the account refuses shared keys).
 */
export class BlobObjectStore implements ObjectStore {
    readonly url: pulumi.Output<string>;
    readonly bucket: pulumi.Output<string>;
    private readonly bindings = new BoundIdentities();

    constructor(private readonly args: BlobObjectStoreArgs) {
        this.bucket = args.storage.containerName;
        this.url = pulumi.all([args.storage.accountName, args.storage.containerName]).apply(([account, container]) => containerUrl(account, container));
    }

    bindServiceAccount(account: ServiceAccountRef, scope?: BindingScope): WorkloadIdentity {
        return this.bindings.of(account, scope, (key) => this.bind(account, key));
    }

    /** Creates the account's identity (once: {@link BoundIdentities}). */
    private bind(account: ServiceAccountRef, key: string): WorkloadIdentity {

        const { context, storage, client, parent } = this.args;
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
        const grant = new authorization.RoleAssignment(
            name,
            {
                principalId: identity.principalId,
                // a just-created identity is not yet visible to Entra ID everywhere; the type skips that lookup
                principalType: "ServicePrincipal",
                roleDefinitionId: roleDefinitionId(client, STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE),
                scope: storage.container.id,
                description: `ServiceAccount ${key} of AKS cluster ${context.clusterName}: the workbench container`,
            },
            { parent, dependsOn: storage.protections },
        );
        const binding: WorkloadIdentity = {
            serviceAccountAnnotations: { [CLIENT_ID_ANNOTATION]: identity.clientId },
            podLabels: { [USE_LABEL]: "true" },
            // adlfs reads the account here for az:// URLs and uses DefaultAzureCredential when anonymous access is off;
            // AZURE_STORAGE_CLIENT_ID is left unset on purpose (adlfs would then look for a client secret)
            env: { AZURE_STORAGE_ACCOUNT_NAME: storage.accountName, AZURE_STORAGE_ANON: "false" },
            secretEnv: {},
            privateEgress: [],
            // the role assignment covers the container: Azure's ABAC conditions could narrow it to a path, not done here
            reach: "bucket",
            principal: identity.clientId,
            readyWhen: [credential, grant],
        };
        return binding;
    }
}
