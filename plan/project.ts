import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** The configuration Pulumi would hand the program for a stack. */
export interface StackConfig {
    /** Project name from Pulumi.yaml. */
    project: string;
    /** Flat `namespace:key → string` map, objects JSON-encoded, as Pulumi passes config. */
    config: Record<string, string>;
    /** Keys whose values are secrets: `secure:` values, as Pulumi marks them for the program. */
    secretKeys: string[];
}

/** What a `secure:` value is replaced by: this plan has no passphrase and needs none. */
export const SECRET_PLACEHOLDER = "secret-placeholder";

type Yaml = Record<string, unknown>;

/** The stacks a project folder has a file for (`Pulumi.<stack>.yaml`), sorted. */
export function stacksIn(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

/*
 * A planning process (the test suite's plan workers, the diff's two sides) reads the same Pulumi.yaml for every
 * plan, and parsing it twice a plan was 6 % of a plan's time: parses are kept by the text they came from, and
 * each caller gets its own copy.
 */
const parsedByText = new Map<string, unknown>();

/** The YAML document in `text` (the `yaml` package's `parse`), parsed once per distinct text in this process. */
export function parseYaml(text: string): unknown {
    if (!parsedByText.has(text)) {
        if (parsedByText.size >= 64) parsedByText.clear();
        parsedByText.set(text, parse(text));
    }
    return structuredClone(parsedByText.get(text));
}

/** Reads a YAML file that must hold a mapping; every failure names the file and what to do. */
function readYaml(file: string, missing: () => string = () => ""): Yaml {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") throw new Error(`${file} not found${missing()}`);
        throw new Error(`${file} cannot be read (${code ?? String(error)})${missing()}`);
    }
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (error) {
        throw new Error(`${file} is not valid YAML: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${file} must hold a YAML mapping (key: value lines), not ${describe(doc)}`);
    return doc as Yaml;
}

function describe(value: unknown): string {
    if (value === null || value === undefined) return "nothing";
    return Array.isArray(value) ? "a list" : `a ${typeof value}`;
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
        if (fallback === undefined) continue;
        const { value, secret } = unsecure(fallback);
        if (secret) secretKeys.add(full);
        config[full] = encode(value);
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
    const file = stackFilePath ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    const stackFile = readYaml(file, () => {
        const stacks = stacksIn(projectDir);
        const existing = stacks.length > 0 ? `stacks here: ${stacks.join(", ")}` : "no stack files here yet";
        return stackFilePath ? "" : `; ${existing} (pulumi stack init ${stack} creates a new one, then set its config)`;
    });
    const section: unknown = stackFile["config"] ?? {};
    if (section === null || typeof section !== "object" || Array.isArray(section)) {
        throw new Error(`${file}: config must be a mapping of keys to values (workbench:cloud: aws, ...), not ${describe(section)}`);
    }
    const config = { ...defaults.config };
    // only `secure:` values are secrets: a plain value for a key the project declares secret is what Pulumi refuses
    const secretKeys = new Set(defaults.secretKeys);
    for (const [key, raw] of Object.entries(section as Yaml)) {
        const full = qualify(defaults.project, key);
        const { value, secret } = unsecure(raw);
        if (secret) secretKeys.add(full);
        config[full] = encode(value);
    }
    return { project: defaults.project, config, secretKeys: [...secretKeys].filter((key) => key in config) };
}
