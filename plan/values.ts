/*
 * Decoding of the values the Pulumi SDK serializes for the engine: secrets become "[secret]",
 * resource references their URN, unknowns "[unknown]", assets and archives their source.
 */

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SIG = {
    secret: "1b47061264138c4ac30d75fd1eb44270",
    resourceReference: "5cf8f73096256a8f31e491e813e4eb8e",
    outputValue: "d0e6a833031e9bbcd3f4e8bde6ca49ad",
    asset: "c44067f5952c0a294b673a41bacd8c17",
    archive: "0def7320c3a5731c473e5ecbe6d01bc7",
} as const;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** What a secret value is shown as. */
export const SECRET = "[secret]";

/** Turns a serialized property value into plain JSON with secrets masked. */
export function decodeValue(value: unknown): unknown {
    if (value === UNKNOWN) return "[unknown]";
    if (Array.isArray(value)) return value.map(decodeValue);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    switch (record[SIG_KEY]) {
        case SIG.secret:
            return SECRET;
        case SIG.resourceReference:
            return record["urn"];
        case SIG.outputValue:
            return "secret" in record && record["secret"] ? SECRET : "value" in record ? decodeValue(record["value"]) : "[unknown]";
        case SIG.asset:
        case SIG.archive:
            return { asset: record["path"] ?? record["uri"] ?? (record["text"] !== undefined ? "(text)" : "(archive)") };
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, decodeValue(v)]));
}
