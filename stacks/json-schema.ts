import { parse } from "yaml";
import { UNDECLARED_KEY_DESCRIPTIONS } from "./undeclared-keys";
import { z } from "zod";
import { PROVIDER_SETTING_KEYS } from "./provider-settings";
import { SECRET_KEYS, WorkbenchConfigSchema } from "./schema";

/*
 * The JSON Schema of a stack file (`Pulumi.<stack>.yaml`), generated from the one config schema so
 * editors (yaml-language-server, VS Code, JetBrains) check a stack file as it is typed. It is what a
 * user writes (zod's "input" side: defaults make keys optional), in the stack file's own layout:
 * `config:` with namespaced keys. Published as schemas/workbench-stack.schema.json; a test keeps the
 * file equal to a fresh generation. Key descriptions come from `Pulumi.yaml`'s declarations. Regenerate with `node --import tsx scripts/stack-schema.ts`.
 */

/** Where the published file lives in the repository, relative to its root. */
export const STACK_SCHEMA_FILE = "schemas/workbench-stack.schema.json";

const NAMESPACE = "workbench:";

/** A value set with `pulumi config set --secret`: Pulumi stores it as `{secure: <ciphertext>}`. */
const SECURE_VALUE = {
    type: "object",
    description: "An encrypted value: set it with pulumi config set --secret.",
    properties: { secure: { type: "string" } },
    required: ["secure"],
    additionalProperties: false,
} as const;

/** Descriptions of the provider settings the workbench reads. */
const PROVIDER_DESCRIPTIONS: Readonly<Record<string, string>> = {
    "aws:region": "AWS region (with workbench:cloud aws), e.g. us-east-1.",
    "gcp:project": "GCP project id (with workbench:cloud gcp).",
    "gcp:region": "GCP region, e.g. us-central1 (optional; the zone names it).",
    "gcp:zone": "GCP zone of the zonal cluster (with workbench:cloud gcp), e.g. us-central1-a.",
    "azure-native:location": "Azure location (with workbench:cloud azure), e.g. eastus.",
};

/** The JSON Schema of one workbench key's value, without its own `$schema`. */
function valueSchema(schema: z.ZodType): Record<string, unknown> {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
    return rest;
}

/**
 * The stack file's JSON Schema, as published. `descriptions` are the keys' one-line descriptions (those
 * `Pulumi.yaml` declares), shown by editors on hover.
 */
export function stackFileJsonSchema(descriptions: Readonly<Record<string, string>> = {}): Record<string, unknown> {
    const described = (key: string, schema: Record<string, unknown>) => (descriptions[key] ? { description: descriptions[key], ...schema } : schema);
    const workbenchKeys: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(WorkbenchConfigSchema.shape)) workbenchKeys[NAMESPACE + key] = described(key, valueSchema(schema as z.ZodType));
    for (const key of SECRET_KEYS) workbenchKeys[NAMESPACE + key] = described(key, { $ref: "#/$defs/secure" });
    const providerKeys = Object.fromEntries(
        Object.values(PROVIDER_SETTING_KEYS).map((key) => [key, { type: "string", description: PROVIDER_DESCRIPTIONS[key] }]),
    );
    const known = [...Object.keys(workbenchKeys), ...Object.keys(providerKeys)];
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        title: "Workbench stack file (Pulumi.<stack>.yaml)",
        description: "Generated from stacks/schema.ts by scripts/stack-schema.ts; do not edit by hand.",
        type: "object",
        properties: {
            config: {
                type: "object",
                description: "The stack's configuration: workbench: keys, the providers' own settings, and any other namespace.",
                properties: { ...workbenchKeys, ...providerKeys },
                // a workbench: key the program does not know is a typo; other namespaces are the providers' business
                propertyNames: { anyOf: [{ enum: known }, { not: { pattern: `^${NAMESPACE}` } }] },
            },
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
            encryptionsalt: { type: "string" },
            environment: {},
        },
        $defs: { secure: SECURE_VALUE },
    };
}

/** The published file's text: stable key order, two-space indent, final newline. */
export function stackFileJsonSchemaText(descriptions: Readonly<Record<string, string>> = {}): string {
    return `${JSON.stringify(stackFileJsonSchema(descriptions), null, 2)}\n`;
}

/** The descriptions `Pulumi.yaml` declares for the project's config keys, by key. */
export function declaredDescriptions(projectFileText: string): Record<string, string> {
    const project = parse(projectFileText) as { config?: Record<string, { description?: unknown } | null> };
    // keys the CLI would require if declared keep their descriptions beside the schema (stacks/undeclared-keys.ts)
    return {
        ...UNDECLARED_KEY_DESCRIPTIONS,
        ...Object.fromEntries(
            Object.entries(project.config ?? {}).flatMap(([key, declaration]) =>
                typeof declaration?.description === "string" ? [[key, declaration.description]] : [],
            ),
        ),
    };
}
