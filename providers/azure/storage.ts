import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import type { WorkbenchConfig } from "../../stacks/schema";
import { AzureContext } from "./context";

/** The one container the workbench's data goes in. */
export const CONTAINER_NAME = "data";

/** Days a deleted blob or container can be restored (blob and container soft delete). */
export const SOFT_DELETE_DAYS = 7;

/** Arguments of {@link DataStorage}. */
export interface DataStorageArgs {
    /** Names, location and tags shared by the platform's resources. */
    context: AzureContext;
    /** The retained data resource group the account lives in. */
    resourceGroupName: pulumi.Input<string>;
    /** The account's name (3-24 lowercase letters and digits, unique across Azure). */
    accountName: pulumi.Input<string>;
    /** `workbench:storage`. */
    storage: WorkbenchConfig["storage"];
}

/**
 * The workbench's object storage: a StorageV2 account and one private container.
 *
 * - HTTPS only, TLS 1.2 at least, no anonymous blob access, and shared-key access off: every request
 *   (SAS included) must carry an Entra ID token, which notebooks get through Workload Identity. Nothing
 *   else needs a key: containers, service properties and policies are managed through Azure Resource
 *   Manager, and the cluster's disks are not in a storage account.
 * - Flat namespace (no hierarchical namespace): blob versioning needs it; adlfs and Spark's ABFS driver
 *   reach the account through its dfs endpoint either way.
 * - Versioning from `storage.versioning`, blob and container soft delete for a week, and a lifecycle rule
 *   deleting old versions after `storage.noncurrentVersionDays`. Azure has no setting for abandoned uploads:
 *   uncommitted blocks expire by themselves after seven days, so `abortIncompleteUploadDays` has no effect here.
 * - Retained on `pulumi destroy` with `storage.retainOnDestroy`, together with its resource group.
 */
export class DataStorage extends pulumi.ComponentResource {
    /** The StorageV2 account. */
    readonly account: storage.StorageAccount;
    /** The private container the workbench's data goes in. */
    readonly container: storage.BlobContainer;
    /** The account's name. */
    readonly accountName: pulumi.Output<string>;
    /** The container's name. */
    readonly containerName: pulumi.Output<string>;
    /** Versioning, soft delete and lifecycle: what a binding waits for besides the account. */
    readonly protections: pulumi.Resource[];

    constructor(name: string, args: DataStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:azure:DataStorage", name, {}, opts);
        const { context, storage: settings } = args;
        const retainOnDelete = settings.retainOnDestroy;
        const childOpts = { parent: this, retainOnDelete };

        this.account = new storage.StorageAccount(
            `${name}-account`,
            {
                resourceGroupName: args.resourceGroupName,
                accountName: args.accountName,
                location: context.location,
                kind: "StorageV2",
                sku: { name: "Standard_LRS" },
                accessTier: "Hot",
                enableHttpsTrafficOnly: true,
                minimumTlsVersion: "TLS1_2",
                allowBlobPublicAccess: false,
                allowSharedKeyAccess: false,
                defaultToOAuthAuthentication: true,
                isHnsEnabled: false,
                // Azure always encrypts at rest; said explicitly, with Microsoft-managed keys
                encryption: { keySource: "Microsoft.Storage", services: { blob: { enabled: true, keyType: "Account" } } },
                tags: context.tags,
            },
            childOpts,
        );
        this.accountName = this.account.name;

        const properties = new storage.BlobServiceProperties(
            `${name}-blob-service`,
            {
                resourceGroupName: args.resourceGroupName,
                accountName: this.account.name,
                blobServicesName: "default",
                isVersioningEnabled: settings.versioning,
                deleteRetentionPolicy: { enabled: true, days: SOFT_DELETE_DAYS },
                containerDeleteRetentionPolicy: { enabled: true, days: SOFT_DELETE_DAYS },
            },
            childOpts,
        );
        this.protections = [properties];

        if (settings.versioning && settings.noncurrentVersionDays > 0) {
            const lifecycle = new storage.ManagementPolicy(
                `${name}-lifecycle`,
                {
                    resourceGroupName: args.resourceGroupName,
                    accountName: this.account.name,
                    managementPolicyName: "default",
                    policy: {
                        rules: [
                            {
                                name: "delete-old-versions",
                                enabled: true,
                                type: "Lifecycle",
                                definition: {
                                    filters: { blobTypes: ["blockBlob"] },
                                    actions: { version: { delete: { daysAfterCreationGreaterThan: settings.noncurrentVersionDays } } },
                                },
                            },
                        ],
                    },
                },
                childOpts,
            );
            this.protections.push(lifecycle);
        }

        this.container = new storage.BlobContainer(
            `${name}-container`,
            {
                resourceGroupName: args.resourceGroupName,
                accountName: this.account.name,
                containerName: CONTAINER_NAME,
                publicAccess: "None",
            },
            childOpts,
        );
        this.containerName = this.container.name;
        this.registerOutputs({ accountName: this.accountName, containerName: this.containerName });
    }
}
