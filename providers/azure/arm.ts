import * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";

/*
 * Reads from Azure Resource Manager that @pulumi/azure-native 3.28 has no function for (the Compute usages list:
 * GET /subscriptions/{id}/providers/Microsoft.Compute/locations/{location}/usages). The deployer's own token comes
 * from azure-native's getClientToken, so the read runs as `pulumi up` does. Under Pulumi's mock runtime (the offline
 * plan and the tests) nothing goes to the network: the read is handed to the mocks as a call with {@link ARM_GET_TOKEN},
 * which plan/mocks/azure.ts answers with Azure's response shapes.
 */

/** The mock call an ARM read becomes under the mock runtime (not a function of azure-native). */
export const ARM_GET_TOKEN = "azure-native:workbench/arm:get";

/** Azure Resource Manager's endpoint in the public cloud. */
const ARM = "https://management.azure.com";

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

/** The mocks of the mock runtime, when the program runs on it (its monitor carries them). */
function runtimeMocks(): pulumi.runtime.Mocks | undefined {
    const monitor = pulumi.runtime.getMonitor() as unknown as { mocks?: pulumi.runtime.Mocks } | undefined;
    return monitor?.mocks;
}

/** One GET of `pathAndQuery` (from `/subscriptions/...`, with `api-version`) as the deployer. */
export async function armGet(pathAndQuery: string): Promise<unknown> {
    const mocks = runtimeMocks();
    if (mocks) return await mocks.call({ token: ARM_GET_TOKEN, inputs: { path: pathAndQuery } });
    const { token } = await authorization.getClientToken({});
    const response = await fetch(pathAndQuery.startsWith("https://") ? pathAndQuery : `${ARM}${pathAndQuery}`, {
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(20_000),
    });
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (!response.ok) throw new ArmError(body.error?.message ?? `HTTP ${response.status}`, response.status, body.error?.code);
    return body;
}

/** Every item of an ARM list, following `nextLink`. */
export async function armList<T>(pathAndQuery: string, get: (path: string) => Promise<unknown> = armGet): Promise<T[]> {
    const items: T[] = [];
    for (let next: string | undefined = pathAndQuery, pages = 0; next !== undefined && pages < 20; pages++) {
        const page = (await get(next)) as ArmPage<T>;
        if (!Array.isArray(page.value)) throw new ArmError(`unexpected answer from ${next}: no value list`);
        items.push(...page.value);
        next = page.nextLink;
    }
    return items;
}
