import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** The configuration Pulumi would hand the program for a stack. */
export interface StackConfig {
    /** Project name from Pulumi.yaml. */
    project: string;
    /** Flat `namespace:key → string` map, objects JSON-encoded, as Pulumi passes config. */
    config: Record<string, string>;
    /** Keys whose values are secrets (`secure:` in the stack file, or declared `secret: true`). */
    secretKeys: string[];
}

/** What a `secure:` value is replaced by: this plan has no passphrase and needs none. */
export const SECRET_PLACEHOLDER = "secret-placeholder";

type Yaml = Record<string, unknown>;

function readYaml(file: string): Yaml {
    if (!fs.existsSync(file)) throw new Error(`${path.basename(file)} not found in ${path.dirname(file)}`);
    const doc: unknown = parse(fs.readFileSync(file, "utf8"));
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${file} is not a YAML mapping`);
    return doc as Yaml;
}

function isSecure(value: unknown): boolean {
    return value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/** Replaces `{secure: …}` anywhere in a value by the placeholder; reports whether it found any. */
function unsecure(value: unknown): { value: unknown; secret: boolean } {
    if (isSecure(value)) return { value: SECRET_PLACEHOLDER, secret: true };
    if (Array.isArray(value)) {
        const items = value.map(unsecure);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value).map(([k, v]) => [k, unsecure(v)] as const);
        return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), secret: entries.some(([, v]) => v.secret) };
    }
    return { value, secret: false };
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** A project-level key without a namespace belongs to the project. */
function qualify(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** The project's name and the config defaults `Pulumi.yaml` declares, as Pulumi hands them to a stack that sets nothing. */
export function readProjectDefaults(projectDir: string): StackConfig {
    const projectFile = readYaml(path.join(projectDir, "Pulumi.yaml"));
    const project = String(projectFile["name"]);
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [key, declaration] of Object.entries((projectFile["config"] ?? {}) as Yaml)) {
        const full = qualify(project, key);
        const declared = declaration !== null && typeof declaration === "object" && !Array.isArray(declaration) ? (declaration as Yaml) : undefined;
        const fallback = declared ? (declared["value"] ?? declared["default"]) : declaration;
        if (declared?.["secret"] === true) secretKeys.add(full);
        if (fallback !== undefined) config[full] = encode(fallback);
    }
    return { project, config, secretKeys: [...secretKeys] };
}

/**
 * Reads `Pulumi.yaml` (project config defaults) and `Pulumi.<stack>.yaml` (the stack's values)
 * as the Pulumi CLI merges them: a stack value replaces the project default of the same key.
 * `stackFilePath` reads the stack's values from another file (tests use it for variations).
 */
export function readStackConfig(projectDir: string, stack: string, stackFilePath?: string): StackConfig {
    const defaults = readProjectDefaults(projectDir);
    const stackFile = readYaml(stackFilePath ?? path.join(projectDir, `Pulumi.${stack}.yaml`));
    const config = { ...defaults.config };
    const secretKeys = new Set(defaults.secretKeys);
    for (const [key, raw] of Object.entries((stackFile["config"] ?? {}) as Yaml)) {
        const full = qualify(defaults.project, key);
        const { value, secret } = unsecure(raw);
        if (secret) secretKeys.add(full);
        config[full] = encode(value);
    }
    return { project: defaults.project, config, secretKeys: [...secretKeys].filter((key) => key in config) };
}
