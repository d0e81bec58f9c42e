import * as pulumi from "@pulumi/pulumi";

/** One thing wrong with a stack's configuration. */
export interface ConfigProblem {
    /** Full key path, e.g. `workbench:gpuPools[0].gpu` or `aws:region`. */
    key: string;
    /** The value given; `undefined` when the key is not set. Secret values are never carried here. */
    given: unknown;
    /** What is allowed instead, and what to type. */
    allowed: string;
    /** The value must not be printed (a secret given in plain text, or a key that looks like one). */
    hidden?: boolean;
}

const MISSING = "(not set)";
const HIDDEN = "(value not shown)";

/** Formats a given value for a message: JSON, shortened, so long objects stay readable. */
export function describeValue(value: unknown, hidden = false): string {
    if (hidden) return HIDDEN;
    if (value === undefined) return MISSING;
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

let resourcesMayExist = false;

/**
 * Marks the point where the program starts registering resources (after every configuration check):
 * a {@link ConfigError} raised later cannot claim that nothing was created, and says so.
 */
export function markResourcesMayExist(): void {
    resourcesMayExist = true;
}

/** Starts a new program run in this process (the offline plan's worker plans several stacks in turn). */
export function resetResourcesMayExist(): void {
    resourcesMayExist = false;
}

/**
 * The one error an invalid configuration produces: every problem with its key, the value given
 * and what is allowed. A RunError, so Pulumi prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    /** The problems, in key order. */
    readonly problems: readonly ConfigProblem[];

    constructor(stack: string, problems: ConfigProblem[]) {
        const sorted = [...problems].sort((a, b) => a.key.localeCompare(b.key));
        const lines = sorted.map((p) => `  - ${p.key} = ${describeValue(p.given, p.hidden)}: ${p.allowed}`);
        // a problem found only while resources were registering is a check that runs too late: say what that means
        const outcome = resourcesMayExist
            ? "found only after resources began to register (a preview created nothing, but pulumi up may have created some: fix it and run pulumi up again)"
            : "nothing was created";
        super(`Invalid configuration for stack "${stack}" (${sorted.length} problem${sorted.length === 1 ? "" : "s"}); ${outcome}:\n${lines.join("\n")}`);
        this.name = "ConfigError";
        // a hidden value stays out of the error object too: the plan's JSON document prints problems
        this.problems = sorted.map((p) => (p.hidden ? { ...p, given: undefined } : p));
    }
}

/**
 * `workbench:gpuPools[0].gpu` from a key and a path inside its value, in the syntax of
 * `pulumi config set --path`: a key that is not a plain name is quoted, e.g. `nodeSelector["nvidia.com/gpu"]`.
 */
export function keyPath(key: string, path: readonly PropertyKey[]): string {
    return path.reduce<string>((text, part) => {
        if (typeof part === "number") return `${text}[${part}]`;
        const name = String(part);
        return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${text}.${name}` : `${text}[${JSON.stringify(name)}]`;
    }, key);
}
