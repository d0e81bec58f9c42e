import type * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";

/** Built-in role "Contributor" (Azure built-in roles). */
export const CONTRIBUTOR_ROLE = "b24988ac-6180-42a0-ab88-20f7382dd24c";

/** A built-in role's definition id in the deployment's subscription, as role assignments name it. */
export function roleDefinitionId(client: pulumi.Output<authorization.GetClientConfigResult>, roleGuid: string): pulumi.Output<string> {
    return pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}
