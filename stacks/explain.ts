import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { ConfigProblem, keyPath } from "./errors";

/*
 * Turns the schema's findings into what a user reads: the key, the value given, what is allowed and
 * what to type. None of the validation library's own wording reaches the user: every issue code has
 * its phrase here, and the schema's own messages (regexes, ranges) are written for users already.
 */

/** Names that hold credentials: a value under such a key is never printed. */
const SECRET_LOOKING = /secret|passw|token|credential|private.?key|access.?key/i;

/** Whether a key's name suggests its value is a credential. */
export function looksSecret(key: string): boolean {
    return SECRET_LOOKING.test(key);
}

/** "did you mean `gpuPools`?" when a known key is close to the one typed; empty when none is close. */
export function didYouMean(typed: string, known: readonly string[]): string {
    if (known.length === 0) return "";
    const lower = typed.toLowerCase();
    const sameCase = known.find((k) => k.toLowerCase() === lower);
    const best = sameCase ?? closest(typed, known);
    // a third of the word may differ (two letters at least): typos and case slips, not unrelated words
    const close = sameCase !== undefined || distance(lower, best.toLowerCase()) <= Math.max(2, Math.floor(typed.length / 3));
    return close ? `did you mean \`${best}\`? ` : "";
}

/** `pulumi config set` for a key path, with `--path` when the path goes inside the key's value. */
export function setCommand(fullKey: string, path: readonly PropertyKey[], value: string, flags = ""): string {
    const target = keyPath(fullKey, path);
    return `pulumi config set ${path.length > 0 ? "--path " : ""}'${target}' ${value}${flags ? ` ${flags}` : ""}`;
}

/** How a value reads in a message: "the string \"3\"", "a list", "a mapping". */
function kindOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    switch (typeof value) {
        case "string":
            return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
        case "number":
            return `the number ${value}`;
        case "boolean":
            return `${value}`;
        case "object":
            return "a mapping";
        default:
            return typeof value;
    }
}

const NOUNS: Readonly<Record<string, string>> = {
    object: "a mapping",
    array: "a list",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    string: "a string",
};

/** The object schema (its keys) at a path inside a schema; undefined where the path leads elsewhere. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType[] {
    const def = schema._zod.def as z.core.$ZodTypeDef & { innerType?: z.core.$ZodType; in?: z.core.$ZodType; options?: z.core.$ZodType[] };
    switch (def.type) {
        case "default":
        case "prefault":
        case "optional":
        case "nullable":
        case "readonly":
        case "catch":
            return def.innerType ? unwrap(def.innerType) : [];
        case "pipe":
            return def.in ? unwrap(def.in) : [];
        case "union":
            return (def.options ?? []).flatMap(unwrap);
        default:
            return [schema];
    }
}

/** Whether the schema at `path` takes a list. */
function isListAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): boolean {
    return unwrap(schema).some((inner) => {
        const def = inner._zod.def;
        if (path.length === 0) return def.type === "array";
        if (def.type === "object") {
            const child = (def as z.core.$ZodObjectDef).shape[String(path[0])];
            return child !== undefined && isListAt(child, path.slice(1));
        }
        return def.type === "array" && isListAt((def as z.core.$ZodArrayDef).element, path.slice(1));
    });
}

/** The keys the object schemas at `path` accept (several for a union, e.g. a discriminated object store). */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
    const keys = new Set<string>();
    for (const inner of unwrap(schema)) {
        const def = inner._zod.def;
        if (def.type === "object") {
            const shape = (def as z.core.$ZodObjectDef).shape;
            if (path.length === 0) Object.keys(shape).forEach((k) => keys.add(k));
            else if (shape[String(path[0])]) knownKeysAt(shape[String(path[0])], path.slice(1)).forEach((k) => keys.add(k));
        } else if (def.type === "array" && path.length > 0) {
            knownKeysAt((def as z.core.$ZodArrayDef).element, path.slice(1)).forEach((k) => keys.add(k));
        }
    }
    return [...keys];
}

/**
 * The phrase for every issue the schema did not word itself: passed to each parse, so the
 * library's defaults ("Invalid input: expected …") never show.
 */
export const phrase: z.core.$ZodErrorMap = (issue) => {
    switch (issue.code) {
        case "invalid_type":
            return issue.input === undefined ? `required (${NOUNS[issue.expected] ?? issue.expected})` : `must be ${NOUNS[issue.expected] ?? issue.expected}`;
        case "too_small": {
            const minimum = Number(issue.minimum);
            if (issue.origin === "array" || issue.origin === "set") return `must have at least ${minimum} item${minimum === 1 ? "" : "s"}`;
            if (issue.origin === "string") return minimum === 1 ? "must not be empty" : `must be at least ${minimum} characters`;
            return issue.inclusive === false ? `must be more than ${minimum}` : `must be at least ${minimum}`;
        }
        case "too_big": {
            const maximum = Number(issue.maximum);
            if (issue.origin === "array" || issue.origin === "set") return `must have at most ${maximum} item${maximum === 1 ? "" : "s"}`;
            if (issue.origin === "string") return `must be at most ${maximum} characters`;
            return issue.inclusive === false ? `must be less than ${maximum}` : `must be at most ${maximum}`;
        }
        case "invalid_format":
            switch (issue.format) {
                case "email":
                    return "must be an e-mail address such as alice@example.org";
                case "url":
                    return "must be a URL such as https://s3.example.org";
                case "cidrv4":
                    return "must be an IPv4 CIDR such as 203.0.113.0/24";
                default:
                    return `must be a valid ${issue.format}`;
            }
        case "not_multiple_of":
            return `must be a multiple of ${String(issue.divisor)}`;
        case "invalid_value":
            return `${issue.input === undefined ? "required; " : ""}allowed: ${issue.values.map((v) => String(v)).join(", ")}`;
        case "invalid_union":
            return "options" in issue && Array.isArray(issue.options)
                ? `allowed: ${(issue.options as unknown[]).map(String).join(", ")}`
                : "matches none of the allowed forms";
        case "invalid_key":
            return "has a key that is not allowed";
        case "invalid_element":
            return "has a value that is not allowed";
        case "unrecognized_keys":
            return "unknown key";
        default:
            return "is not allowed here";
    }
};

/** What to write instead of a value of the wrong type, with the command that stores the right one. */
function typeProblem(fullKey: string, path: readonly PropertyKey[], expected: string, input: unknown, schema: z.core.$ZodType): string | undefined {
    if (input === undefined) return undefined; // the schema's own "required" wording
    const given = kindOf(input);
    if ((expected === "number" || expected === "int") && typeof input === "string" && input.trim() !== "" && Number.isFinite(Number(input))) {
        const type = Number.isInteger(Number(input)) ? "int" : "float";
        return `must be a number, not ${given}: write ${input} without quotes, or ${setCommand(fullKey, path, input, `--type ${type}`)}`;
    }
    if (expected === "boolean" && typeof input === "string" && /^(true|false)$/i.test(input.trim())) {
        const value = input.trim().toLowerCase();
        return `must be true or false, not ${given}: write ${value} without quotes, or ${setCommand(fullKey, path, value, "--type bool")}`;
    }
    if (expected === "object") {
        const known = knownKeysAt(schema, path);
        // a list-valued setting is set item by item: users.admins[0]
        const first = known[0] !== undefined ? [...path, known[0], ...(isListAt(schema, [...path, known[0]]) ? [0] : [])] : undefined;
        const example = first ? `; set one of them with ${setCommand(fullKey, first, "<value>")}` : "";
        return `must be a mapping${known.length > 0 ? ` of ${known.join(", ")}` : ""}, not ${given}${example}`;
    }
    if (expected === "array") {
        return `must be a list, not ${given}: in YAML [a, b], or ${setCommand(fullKey, [...path, 0], "<value>")}`;
    }
    return `must be ${NOUNS[expected] ?? expected}, not ${given}`;
}

/** The value at a path inside a key's value. */
export function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
    return path.reduce<unknown>(
        (current, part) => (current !== null && typeof current === "object" ? (current as Record<PropertyKey, unknown>)[part] : undefined),
        value,
    );
}

/**
 * The problems of one top-level key (`workbench:<key>`), from the issues of its schema: unknown keys
 * with the closest known one, type slips with the command that stores the right type, credentials
 * typed into a setting with the secret key they belong in.
 */
export function problemsOf(
    fullKey: string,
    schema: z.core.$ZodType,
    value: unknown,
    issues: readonly z.core.$ZodIssue[],
    secretKeys: readonly string[],
): ConfigProblem[] {
    return issues.flatMap((issue): ConfigProblem[] => {
        if (issue.code === "unrecognized_keys") {
            const known = knownKeysAt(schema, issue.path);
            return issue.keys.map((unknown) => {
                const key = keyPath(fullKey, [...issue.path, unknown]);
                if (looksSecret(unknown)) {
                    const secret = closest(unknown, secretKeys);
                    return {
                        key,
                        given: undefined,
                        hidden: true,
                        allowed: `unknown key, and credentials never go in plain settings: remove it and use pulumi config set --secret workbench:${secret} <value>`,
                    };
                }
                return { key, given: valueAt(value, [...issue.path, unknown]), allowed: `unknown key; ${didYouMean(unknown, known)}known here: ${known.join(", ")}` };
            });
        }
        const given = valueAt(value, issue.path);
        // a record's key that fails its own check: the check's words (e.g. "must be a Kubernetes label key")
        if (issue.code === "invalid_key") return [{ key: keyPath(fullKey, issue.path), given, allowed: `this key ${issue.issues[0]?.message ?? "is not allowed"}` }];
        const allowed = (issue.code === "invalid_type" && typeProblem(fullKey, issue.path, issue.expected, given, schema)) || issue.message;
        // a refinement that recognises a credential where a setting belongs says so; its value stays out of the message
        if (issue.code === "custom" && /secret/i.test(issue.message)) return [{ key: keyPath(fullKey, issue.path), given: undefined, hidden: true, allowed }];
        return [{ key: keyPath(fullKey, issue.path), given, allowed }];
    });
}
