import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, ConfigProblem, keyPath } from "./errors";
import { ProviderSettings, readProviderSettings } from "./provider-settings";
import { crossKeyProblems } from "./rules";
import { SECRET_KEYS, SecretKey, WorkbenchConfig, WorkbenchConfigSchema } from "./schema";

/** Everything the program needs from the stack configuration, validated. */
export interface StackSettings {
    /** Stack name. */
    stack: string;
    /** The `workbench:` keys, defaulted. */
    config: WorkbenchConfig;
    /** `aws:region` and the other provider settings. */
    provider: ProviderSettings;
    /** Secret keys that are set, as secret outputs. */
    secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

/** The result of validating a flat config map; the secrets' values are not part of it. */
export interface ValidatedConfig {
    config: WorkbenchConfig;
    provider: ProviderSettings;
    secretsSet: ReadonlySet<SecretKey>;
}

const NAMESPACE = "workbench:";
const shape = WorkbenchConfigSchema.shape;
type Key = keyof typeof shape;
const KEYS = Object.keys(shape) as Key[];
const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS);

/** Keys whose Pulumi config value is a plain string; all others arrive JSON-encoded (objects, lists, numbers, booleans). */
const STRING_KEYS: ReadonlySet<Key> = new Set(KEYS.filter((key) => isStringSchema(shape[key])));

function isStringSchema(schema: z.core.$ZodType): boolean {
    const def = schema._zod.def;
    if (def.type === "default" || def.type === "optional") {
        return isStringSchema((def as z.core.$ZodDefaultDef | z.core.$ZodOptionalDef).innerType);
    }
    return def.type === "string" || def.type === "enum";
}

function decode(key: Key, raw: string | undefined): unknown {
    if (raw === undefined || STRING_KEYS.has(key)) return raw;
    try {
        return JSON.parse(raw);
    } catch {
        return raw; // the schema reports it with the expected type
    }
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
    return path.reduce<unknown>(
        (current, part) => (current !== null && typeof current === "object" ? (current as Record<PropertyKey, unknown>)[part] : undefined),
        value,
    );
}

function withArticle(noun: string): string {
    return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}

function explain(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return issue.input === undefined ? `required (${withArticle(issue.expected)})` : `must be ${withArticle(issue.expected)}`;
        case "invalid_value":
            return `allowed: ${issue.values.map((v) => String(v)).join(", ")}`;
        case "invalid_union":
            return "options" in issue && Array.isArray(issue.options)
                ? `allowed: ${(issue.options as unknown[]).map(String).join(", ")}`
                : issue.message;
        default:
            return issue.message;
    }
}

function problemsOf(key: Key, value: unknown, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
    return issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
            const known = knownKeysAt(shape[key], issue.path);
            return issue.keys.map((unknown) => ({
                key: keyPath(NAMESPACE + key, [...issue.path, unknown]),
                given: valueAt(value, [...issue.path, unknown]),
                allowed: `unknown key${known ? `; known here: ${known}` : ""}`,
            }));
        }
        // a discriminator's issue carries the object's path plus the discriminator key
        return [{ key: keyPath(NAMESPACE + key, issue.path), given: valueAt(value, issue.path), allowed: explain(issue) }];
    });

}

/** The keys an object schema at `path` accepts, for "unknown key" messages; undefined where the path is not a plain object. */
function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string | undefined {
    const def = schema._zod.def;
    if (def.type === "default" || def.type === "optional") {
        return knownKeysAt((def as z.core.$ZodDefaultDef | z.core.$ZodOptionalDef).innerType, path);
    }
    if (path.length === 0) {
        return def.type === "object" ? Object.keys((def as z.core.$ZodObjectDef).shape).join(", ") : undefined;
    }
    const [head, ...rest] = path;
    if (def.type === "object") {
        const child = (def as z.core.$ZodObjectDef).shape[String(head)];
        return child ? knownKeysAt(child, rest) : undefined;
    }
    if (def.type === "array") return knownKeysAt((def as z.core.$ZodArrayDef).element, rest);
    return undefined;
}

/**
 * Validates a flat `namespace:key → string` config map (what Pulumi hands a program) and
 * returns the defaulted configuration, or throws one {@link ConfigError} listing every problem.
 */
export function validateConfig(stack: string, flat: Readonly<Record<string, string>>): ValidatedConfig {
    const problems: ConfigProblem[] = [];
    const parsed: Partial<Record<Key, unknown>> = {};
    const secretsSet = new Set<SecretKey>();

    for (const fullKey of Object.keys(flat)) {
        if (!fullKey.startsWith(NAMESPACE)) continue;
        const key = fullKey.slice(NAMESPACE.length);
        if (SECRET_KEY_SET.has(key)) {
            if (flat[fullKey] !== "") secretsSet.add(key as SecretKey);
        } else if (!(key in shape)) {
            problems.push({ key: fullKey, given: flat[fullKey], allowed: `unknown key; known keys: ${[...KEYS, ...SECRET_KEYS].join(", ")}` });
        }
    }

    for (const key of KEYS) {
        const value = decode(key, flat[NAMESPACE + key]);
        const result = shape[key].safeParse(value, { reportInput: true });
        if (result.success) parsed[key] = result.data;
        else problems.push(...problemsOf(key, value, result.error.issues));
    }

    const provider = readProviderSettings(flat);
    problems.push(...crossKeyProblems({ parsed: parsed as Partial<WorkbenchConfig>, secretsSet, provider }));
    if (problems.length > 0) throw new ConfigError(stack, problems);
    return { config: WorkbenchConfigSchema.parse(parsed), provider, secretsSet };
}

/** Reads and validates the running stack's configuration; throws {@link ConfigError} before any resource exists. */
export function loadStackSettings(): StackSettings {
    const stack = pulumi.getStack();
    const { config, provider, secretsSet } = validateConfig(stack, pulumi.runtime.allConfig());
    const workbench = new pulumi.Config("workbench");
    const secrets: StackSettings["secrets"] = {};
    for (const key of secretsSet) secrets[key] = workbench.requireSecret(key);
    return { stack, config, provider, secrets };
}
