import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import { MoveReadGrant, MoveReadRequest } from "../contract";
import { AzureContext } from "./context";
import { TOKEN_AUDIENCE } from "./identity";
import { roleDefinitionId } from "./roles";
import { DataStorage } from "./storage";

/*
 * The source side of a move off Azure (docs/move.md): a user-assigned identity with one Entra federated credential
 * trusting the TARGET cluster's issuer and exactly its transfer Job ServiceAccount (subject) for Entra's token-exchange
 * audience, and the built-in Storage Blob Data Reader on this container alone: read and list blobs, nothing that
 * writes. The target hands rclone AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE; rclone's azureblob
 * `env_auth` uses azidentity.NewDefaultAzureCredential, whose workload identity credential reads them (rclone
 * backend/azureblob/auth/auth.go at v1.75.0).
 */

/** Storage Blob Data Reader (built-in): https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage */
export const BLOB_DATA_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";

/** Creates the grant under `parent`. */
export function grantMoveRead(
    args: {
        context: AzureContext;
        resourceGroupName: pulumi.Input<string>;
        storage: DataStorage;
        client: pulumi.Output<authorization.GetClientConfigResult>;
        request: MoveReadRequest;
    },
    parent: pulumi.Resource,
): MoveReadGrant {
    const { context, storage, request } = args;
    const name = `${context.name}-move-read`;
    const identity = new managedidentity.UserAssignedIdentity(
        name,
        { resourceGroupName: args.resourceGroupName, resourceName: `${context.clusterName}-move-read`.slice(0, 128), location: context.location, tags: context.tags },
        { parent },
    );
    new managedidentity.FederatedIdentityCredential(
        name,
        {
            resourceGroupName: args.resourceGroupName,
            resourceName: identity.name,
            federatedIdentityCredentialResourceName: "move-target",
            issuer: request.issuer,
            subject: `system:serviceaccount:${request.account.namespace}:${request.account.name}`,
            audiences: [TOKEN_AUDIENCE],
        },
        { parent },
    );
    new authorization.RoleAssignment(
        name,
        {
            principalId: identity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(args.client, BLOB_DATA_READER_ROLE),
            scope: storage.container.id,
            description: `Read-only: ${request.account.namespace}/${request.account.name} of the cluster at ${request.issuer} (a move)`,
        },
        { parent, dependsOn: [...storage.protections] },
    );
    return {
        principal: identity.clientId,
        audience: TOKEN_AUDIENCE,
        moveFrom: {
            cloud: "azure",
            bucket: pulumi.interpolate`${storage.accountName}/${storage.containerName}`,
            clientId: identity.clientId,
            tenantId: args.client.tenantId,
        },
    };
}
