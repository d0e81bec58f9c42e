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

/** A configuration checked key by key and across keys: the problems found, and every key that parsed on its own. */
export interface CheckedConfig {
    /** Every schema and cross-key problem; empty when the configuration is valid so far. */
    problems: ConfigProblem[];
    /** Keys whose own value is valid (defaults applied); a later check needing a missing key stays silent. */
    parsed: Partial<WorkbenchConfig>;
    provider: ProviderSettings;
    /** Secret keys that are set (their values are not read here). */
    secretsSet: ReadonlySet<SecretKey>;
}

/**
 * Checks a flat `namespace:key → string` config map (what Pulumi hands a program) and returns every
 * problem of the schema and of the cross-key rules, without throwing, so that the platform's own checks
 * can add theirs and the user gets them all in one message.
 */
export function checkConfig(flat: Readonly<Record<string, string>>): CheckedConfig {
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
    const typed = parsed as Partial<WorkbenchConfig>;
    problems.push(...crossKeyProblems({ parsed: typed, secretsSet, provider }));
    return { problems, parsed: typed, provider, secretsSet };
}

/** The defaulted configuration of a check that found no problem. */
export function validConfig(checked: CheckedConfig): ValidatedConfig {
    return { config: WorkbenchConfigSchema.parse(checked.parsed), provider: checked.provider, secretsSet: checked.secretsSet };
}

/**
 * Validates a flat config map against the schema and the cross-key rules and returns the defaulted
 * configuration, or throws one {@link ConfigError} listing every problem. The platform's own checks
 * (lookups in the cloud) are not part of it: the program runs those too before creating anything.
 */
export function validateConfig(stack: string, flat: Readonly<Record<string, string>>): ValidatedConfig {
    const checked = checkConfig(flat);
    if (checked.problems.length > 0) throw new ConfigError(stack, checked.problems);
    return validConfig(checked);
}

/** The settings the program runs with: the validated configuration and the secrets, as secret outputs. */
export function stackSettings(stack: string, validated: ValidatedConfig): StackSettings {
    const workbench = new pulumi.Config("workbench");
    const secrets: StackSettings["secrets"] = {};
    for (const key of validated.secretsSet) secrets[key] = workbench.requireSecret(key);
    return { stack, config: validated.config, provider: validated.provider, secrets };
}
