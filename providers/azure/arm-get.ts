import * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";
import { ARM, ARM_GET_TOKEN, ArmError } from "./arm";

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

