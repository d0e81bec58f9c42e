import * as pulumi from "@pulumi/pulumi";
import { distance } from "fastest-levenshtein";
import { z } from "zod";
import { ConfigError, ConfigProblem } from "./errors";
import { didYouMean, looksSecret, phrase, problemsOf } from "./explain";
import { ProviderSettings, readProviderSettings } from "./provider-settings";
import { crossKeyProblems, crossKeyWarnings } from "./rules";
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
const ALL_KEYS: readonly string[] = [...KEYS, ...SECRET_KEYS];

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

/** Provider settings people put in the workbench namespace, and where they belong. */
const PROVIDER_KEY_HINTS: Readonly<Record<string, string>> = {
    region: "aws:region (AWS) or gcp:region (GCP)",
    zone: "gcp:zone",
    project: "gcp:project",
    location: "azure-native:location",
};

/** The problem of a `workbench:` key the schema does not know: a path set without `--path`, a typo, a misplaced credential. */
function unknownKeyProblem(fullKey: string, key: string, value: string | undefined): ConfigProblem {
    const head = /^([A-Za-z0-9_]+)[.[]/.exec(key)?.[1];
    if (head !== undefined && (ALL_KEYS as readonly string[]).includes(head)) {
        return {
            key: fullKey,
            given: looksSecret(key) ? undefined : value,
            hidden: looksSecret(key),
            allowed:
                `a path inside workbench:${head}, set without --path, so Pulumi stored it as a key of its own: ` +
                `pulumi config rm '${fullKey}', then pulumi config set --path '${fullKey}' <value>`,
        };
    }
    if (looksSecret(key)) {
        return {
            key: fullKey,
            given: undefined,
            hidden: true,
            allowed: `unknown key; ${didYouMean(key, SECRET_KEYS)}credentials go in one of the secret keys (${SECRET_KEYS.join(", ")}): pulumi config set --secret workbench:<key> <value>`,
        };
    }
    const provider = PROVIDER_KEY_HINTS[key.toLowerCase()];
    if (provider) return { key: fullKey, given: value, allowed: `unknown key; provider settings live in the provider's namespace: ${provider}` };
    return { key: fullKey, given: value, allowed: `unknown key; ${didYouMean(key, ALL_KEYS)}known keys: ${ALL_KEYS.join(", ")}` };
}

/** How to check a configuration. */
export interface CheckOptions {
    /**
     * Full keys whose values are secrets (`secure:` in the stack file). When given, a secret key set in
     * plain text is a problem, as Pulumi itself refuses it; omitted, that check is skipped.
     */
    secretKeys?: ReadonlySet<string>;
}

/** A configuration checked key by key and across keys: the problems found, and every key that parsed on its own. */
export interface CheckedConfig {
    /** Every schema and cross-key problem; empty when the configuration is valid so far. */
    problems: ConfigProblem[];
    /** What the user should know but that does not stop the plan (another cloud's settings, prices of another region). */
    warnings: string[];
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
export function checkConfig(flat: Readonly<Record<string, string>>, options: CheckOptions = {}): CheckedConfig {
    const problems: ConfigProblem[] = [];
    const parsed: Partial<Record<Key, unknown>> = {};
    const secretsSet = new Set<SecretKey>();

    for (const fullKey of Object.keys(flat)) {
        if (!fullKey.startsWith(NAMESPACE)) {
            // `workbnech:cloud` would be ignored in silence: another namespace is another program's
            const namespace = fullKey.slice(0, fullKey.indexOf(":") + 1);
            if (namespace.length > 1 && distance(namespace, NAMESPACE) <= 2) {
                const fixed = NAMESPACE + fullKey.slice(namespace.length);
                problems.push({
                    key: fullKey,
                    given: looksSecret(fullKey) ? undefined : flat[fullKey],
                    hidden: looksSecret(fullKey),
                    allowed: `unknown namespace; did you mean \`${fixed}\`? (pulumi config rm '${fullKey}', then set ${fixed})`,
                });
            }
            continue;
        }
        const key = fullKey.slice(NAMESPACE.length);
        if (SECRET_KEY_SET.has(key)) {
            if (flat[fullKey] === "") continue;
            secretsSet.add(key as SecretKey);
            if (options.secretKeys && !options.secretKeys.has(fullKey)) {
                problems.push({
                    key: fullKey,
                    given: undefined,
                    hidden: true,
                    allowed: `set in plain text, which Pulumi refuses for a secret: pulumi config set --secret ${fullKey} <value>`,
                });
            }
        } else if (!(key in shape)) {
            problems.push(unknownKeyProblem(fullKey, key, flat[fullKey]));
        }
    }

    for (const key of KEYS) {
        const value = decode(key, flat[NAMESPACE + key]);
        const result = shape[key].safeParse(value, { reportInput: true, error: phrase });
        if (result.success) parsed[key] = result.data;
        else problems.push(...problemsOf(NAMESPACE + key, shape[key], value, result.error.issues, SECRET_KEYS));
    }

    const provider = readProviderSettings(flat);
    const typed = parsed as Partial<WorkbenchConfig>;
    const input = { parsed: typed, secretsSet, provider };
    problems.push(...crossKeyProblems(input));
    return { problems, warnings: crossKeyWarnings(input), parsed: typed, provider, secretsSet };
}

/**
 * The full keys whose values are secrets in the running program: what `pulumi up` marks secret
 * (`secure:` values), and what the offline plan marks the same way. Undefined when the runtime was
 * told nothing about secrets (then a plaintext secret cannot be told apart, and that check is skipped;
 * the Pulumi CLI refuses plaintext values for the keys `Pulumi.yaml` declares secret anyway).
 */
export function runtimeSecretKeys(): ReadonlySet<string> | undefined {
    // the SDK keeps the secret key list beside the config (PULUMI_CONFIG_SECRET_KEYS); `isConfigSecret`
    // reads it but is missing from the SDK's typings, and an empty list there means "not told"
    type Runtime = { getStore(): { config: Record<string, string | undefined> } };
    const told = (require("@pulumi/pulumi/runtime/state") as Runtime).getStore().config[SECRET_KEYS_SETTING];
    if (!told) return undefined;
    // older language hosts spell keys `workbench:config:key`; the SDK cleans them the same way
    return new Set((JSON.parse(told) as string[]).map((key) => key.replace(/^([^:]+):config:/, "$1:")));
}

/** Where the Pulumi runtime keeps the list of secret config keys. */
const SECRET_KEYS_SETTING = "PULUMI_CONFIG_SECRET_KEYS";

/** The defaulted configuration of a check that found no problem. */
export function validConfig(checked: CheckedConfig): ValidatedConfig {
    return { config: WorkbenchConfigSchema.parse(checked.parsed), provider: checked.provider, secretsSet: checked.secretsSet };
}

/**
 * Validates a flat config map against the schema and the cross-key rules and returns the defaulted
 * configuration, or throws one {@link ConfigError} listing every problem. The platform's own checks
 * (lookups in the cloud) are not part of it: the program runs those too before creating anything.
 */
export function validateConfig(stack: string, flat: Readonly<Record<string, string>>, options: CheckOptions = {}): ValidatedConfig {
    const checked = checkConfig(flat, options);
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
