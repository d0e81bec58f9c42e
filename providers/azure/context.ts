import { createHash } from "node:crypto";
import type { StackSettings } from "../../stacks/load";

/*
 * Names of the Azure resources of one workbench, derived from `workbench:name` and the stack, and the
 * rules Azure puts on them. The names are set explicitly: azure-native's auto-naming can produce
 * storage account and pool names Azure refuses (pulumi-azure-native#3665, #4294).
 */

/** What every Azure resource of one platform shares: names, location and tags. */
export interface AzureContext {
    /** The platform component's name; child resource names start with it. */
    name: string;
    /** `azure-native:location`. */
    location: string;
    /** Resource group of the cluster, its identities and the budget's subject. */
    resourceGroupName: string;
    /**
     * Resource group of the data that outlives the cluster (storage account, retained disks): deleting a
     * resource group deletes everything in it, so retained resources cannot share the cluster's group.
     */
    dataResourceGroupName: string;
    /**
     * Resource group of the retained disks (homes, databases), apart from the storage account: the
     * cluster's identity, which makes the disks, gets Contributor here and reaches nothing else.
     */
    volumesResourceGroupName: string;
    /** The AKS cluster's name (also its DNS prefix). */
    clusterName: string;
    /** Prefix of the storage account's name (letters and digits of `workbench:name`). */
    storageAccountPrefix: string;
    /** Tags on every Azure resource that takes them. */
    tags: Record<string, string>;
}

/** Storage account names: 3-24 lowercase letters and digits, unique across Azure. */
export const STORAGE_ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
/** Hex characters appended to the storage account's prefix, derived from the subscription and resource group. */
export const STORAGE_SUFFIX_LENGTH = 8;
/** The longest `workbench:name` (letters and digits counted) that leaves room for the suffix. */
export const MAX_STORAGE_PREFIX = 24 - STORAGE_SUFFIX_LENGTH;

/** Linux agent pool names: a lowercase letter, then lowercase letters and digits, 12 at most (AKS use-system-pools). */
export const AGENT_POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;

/** AKS cluster names: letters, digits, `-` and `_`, at most 63, starting and ending with a letter or digit. */
export function clusterNameOf(name: string, stack: string): string {
    return `${name}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 63).replace(/[-_]+$/, "");
}

/** The letters and digits of `workbench:name`: the storage account's prefix. */
export function storageAccountPrefixOf(name: string): string {
    return name.replace(/[^a-z0-9]/g, "");
}

/**
 * The storage account's name: the prefix and a suffix derived from the subscription and the resource
 * group, so two stacks (or two users with the same settings) never ask for the same global name, and
 * the same stack always gets the same one.
 */
export function storageAccountNameOf(prefix: string, subscriptionId: string, resourceGroupName: string): string {
    const suffix = createHash("sha256").update(`${subscriptionId}/${resourceGroupName}`).digest("hex").slice(0, STORAGE_SUFFIX_LENGTH);
    return `${prefix}${suffix}`;
}

/** The context of the platform named `name` for a validated Azure stack. */
export function azureContext(name: string, settings: StackSettings): AzureContext {
    // validation requires azure-native:location on an Azure stack; the fallback only keeps the type honest
    const location = settings.provider.azureLocation ?? "eastus";
    const clusterName = clusterNameOf(name, settings.stack);
    return {
        name,
        location,
        resourceGroupName: clusterName,
        dataResourceGroupName: `${clusterName}-data`,
        volumesResourceGroupName: `${clusterName}-volumes`,
        clusterName,
        storageAccountPrefix: storageAccountPrefixOf(name),
        tags: { "workbench-name": name, "workbench-stack": settings.stack, "managed-by": "pulumi" },
    };
}
