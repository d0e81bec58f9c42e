/*
 * Reads from Azure Resource Manager that @pulumi/azure-native 3.28 has no function for (the Compute usages list:
 * GET /subscriptions/{id}/providers/Microsoft.Compute/locations/{location}/usages). The deployer's own token comes
 * from azure-native's getClientToken, so the read runs as `pulumi up` does. Under Pulumi's mock runtime (the offline
 * plan and the tests) nothing goes to the network: the read is handed to the mocks as a call with {@link ARM_GET_TOKEN},
 * which plan/mocks/azure.ts answers with Azure's response shapes. This file loads no SDK (the mocks import it on
 * every cloud); the read itself is in arm-get.ts.
 */

/** The mock call an ARM read becomes under the mock runtime (not a function of azure-native). */
export const ARM_GET_TOKEN = "azure-native:workbench/arm:get";

/** Azure Resource Manager's endpoint in the public cloud. */
export const ARM = "https://management.azure.com";

/** A failed ARM read, with Azure's error code when it gave one. */
export class ArmError extends Error {
    constructor(
        message: string,
        readonly status?: number,
        readonly code?: string,
    ) {
        super(message);
        this.name = "ArmError";
    }
}

/** A page of an ARM list: `value` and, when there is more, `nextLink`. */
export interface ArmPage<T> {
    value: T[];
    nextLink?: string;
}

/** Every item of an ARM list, following `nextLink`. */
export async function armList<T>(pathAndQuery: string, get: (path: string) => Promise<unknown>): Promise<T[]> {
    const items: T[] = [];
    for (let next: string | undefined = pathAndQuery, pages = 0; next !== undefined && pages < 20; pages++) {
        const page = (await get(next)) as ArmPage<T>;
        if (!Array.isArray(page.value)) throw new ArmError(`unexpected answer from ${next}: no value list`);
        items.push(...page.value);
        next = page.nextLink;
    }
    return items;
}
