import type { BindingScope } from "../contract";

/*
 * What a bound identity may do in the workbench's container, as Azure RBAC says it: a custom role with the blob data
 * actions and no container-level write or delete, and an ABAC condition on the role assignment that keeps a prefix-
 * limited identity (MLflow's, the database backups') to its prefix and a whole-container identity (users') out of the
 * excluded prefixes (Azure Blob Storage ABAC: MicrosoftDocs azure-docs storage-auth-abac-attributes.md and
 * role-based-access-control/conditions-format.md).
 */

const BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs";

/** The blob data actions a bound identity gets: read (and list), write, create/append, delete. */
export const BLOB_DATA_ACTIONS: readonly string[] = [`${BLOBS}/read`, `${BLOBS}/write`, `${BLOBS}/add/action`, `${BLOBS}/delete`];

/**
 * The only control-plane action: reading the container's properties (adlfs and the ABFS driver check the container).
 * Storage Blob Data Contributor would also allow `containers/write` and `containers/delete`, which no condition can
 * limit (conditions apply to blob data actions) and with which any bound identity could delete the whole container,
 * backups included; the custom role leaves them out.
 */
export const CONTAINER_ACTIONS: readonly string[] = ["Microsoft.Storage/storageAccounts/blobServices/containers/read"];

/** Blob path of a read, write, create or delete; relative to the container, no leading slash (storage-auth-abac-attributes). */
const PATH = `@Resource[${BLOBS}:path]`;
/** The prefix a List Blobs request asks for (a request attribute: absent when the listing names none). */
const LIST_PREFIX = `@Request[${BLOBS}:prefix]`;

/** Every action on blobs by path: reads other than listing, writes, creates, deletes. */
const BY_PATH = [
    `!(ActionMatches{'${BLOBS}/read'} AND NOT SubOperationMatches{'Blob.List'})`,
    `!(ActionMatches{'${BLOBS}/write'})`,
    `!(ActionMatches{'${BLOBS}/add/action'})`,
    `!(ActionMatches{'${BLOBS}/delete'})`,
];
/** Listing blobs. */
const LISTING = [`!(ActionMatches{'${BLOBS}/read'} AND SubOperationMatches{'Blob.List'})`];

/** A key prefix as a condition's string literal: letters, digits, `._-/`, ending in `/` (nothing to escape). */
function literal(prefix: string): string {
    if (!/^[A-Za-z0-9._\/-]+\/$/.test(prefix) || prefix.startsWith("/")) {
        throw new Error(`bucket prefix ${JSON.stringify(prefix)}: letters, digits, '.', '_', '-' and '/', ending in '/' and not starting with it`);
    }
    return `'${prefix}'`;
}

/** One targeted block of a condition: the actions it does not target pass, the targeted ones must satisfy `expression`. */
function block(actions: readonly string[], expression: string): string {
    return `(\n (\n  ${actions.join("\n  AND\n  ")}\n )\n OR\n (\n  ${expression}\n )\n)`;
}

/**
 * The ABAC condition (version 2.0) for a binding's scope, or undefined when it reaches the whole container:
 * - `prefix`: reads, writes, creates and deletes only under it, and listings only with a prefix under it (a listing
 *   without one is refused: barman-cloud and MLflow list with their prefix);
 * - `excludePrefixes`: no read, write, create or delete under any of them. Listings are not conditioned: ABAC cannot
 *   test the list prefix for absence, so a condition on it would refuse listing the container's root. The names and
 *   properties of blobs under an excluded prefix therefore appear in listings; their contents cannot be read or changed.
 */
export function blobCondition(scope: BindingScope | undefined): string | undefined {
    const blocks: string[] = [];
    if (scope?.prefix !== undefined) {
        const value = literal(scope.prefix);
        blocks.push(block(BY_PATH, `${PATH} StringStartsWith ${value}`), block(LISTING, `${LIST_PREFIX} StringStartsWith ${value}`));
    }
    const excluded = scope?.excludePrefixes ?? [];
    if (excluded.length > 0) {
        blocks.push(block(BY_PATH, excluded.map((p) => `${PATH} StringNotStartsWith ${literal(p)}`).join("\n  AND\n  ")));
    }
    return blocks.length > 0 ? blocks.join("\nAND\n") : undefined;
}
