import * as fs from "node:fs";
import * as path from "node:path";
import { parseYaml } from "./project";

/*
 * The Pulumi CLI's own checks of a stack's configuration, run before the program starts: `pulumi preview`
 * and `pulumi up` stop on them with "validating stack config" and never reach the program's own validation.
 * Reimplemented from the pinned engine source so the offline plan refuses exactly what the CLI refuses:
 * - pulumi/pulumi sdk/go/common/workspace/project.go `(*Project).Validate` (declarations) and
 *   `ValidateConfigValue` (types);
 * - pulumi/pulumi pkg/workspace/config.go `mergeConfig` (a declared key in the project's namespace with neither
 *   `default` nor `value` is required; a stack value of a `secret: true` key must be `secure:`; a stack value of
 *   a typed key must have that type) and `missingStackConfigurationKeysError` (the message).
 * `pulumi preview --skip-config-validation` would skip the second group; nobody should need it.
 */

type Yaml = Record<string, unknown>;

/** A config declaration in Pulumi.yaml, after the CLI's shorthand rewrite. */
interface Declaration {
    type?: string;
    items?: ItemsType;
    default?: unknown;
    value?: unknown;
    secret?: boolean;
}
interface ItemsType {
    type: string;
    items?: ItemsType;
}

const isObject = (v: unknown): v is Yaml => v !== null && typeof v === "object" && !Array.isArray(v);
const isSecure = (v: unknown): boolean => isObject(v) && Object.keys(v).length === 1 && "secure" in v;

/** `configKeyIsNamespacedByProject`: a bare key, or `<project>:key`. */
function namespacedByProject(project: string, key: string): boolean {
    return !key.includes(":") || key.startsWith(`${project}:`);
}

/** `RewriteShorthandConfigValues`: a primitive or a list is a default (project keys) or a value (others). */
function declarationOf(project: string, key: string, raw: unknown): Declaration {
    if (isObject(raw)) return raw as Declaration;
    return namespacedByProject(project, key) ? { default: raw } : { value: raw };
}

/** `ValidateConfigValue`: whether a value (as the stack file or the default gives it) has the declared type. */
export function hasConfigType(type: string, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?\d+$/.test(value));
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return isObject(value);
        default:
            return Array.isArray(value) && items !== undefined && value.every((item) => hasConfigType(items.type, items.items, item));
    }
}

/** `InferFullTypeName`: `array<object>` for lists. */
function typeName(type: string, items: ItemsType | undefined): string {
    return items ? `array<${typeName(items.type, items.items)}>` : type;
}

/**
 * How a stack file's value reaches `ValidateConfigValue`: the CLI stores a YAML scalar as its text (so
 * `1.35` and `true` are strings by then) and an object or list as JSON it decodes again.
 */
function asStored(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value === null || value === undefined ? "" : String(value);
    return value;
}

/** Problems of Pulumi.yaml's own declarations (`(*Project).Validate`), each as the CLI words it. */
export function projectDeclarationProblems(projectFile: Yaml): string[] {
    const project = String(projectFile["name"] ?? "");
    if (!project) return ["project is missing a 'name' attribute"];
    const problems: string[] = [];
    for (const [key, raw] of Object.entries(isObject(projectFile["config"]) ? projectFile["config"] : {})) {
        const d = declarationOf(project, key, raw);
        if (d.default !== undefined && d.value !== undefined) problems.push(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        if (namespacedByProject(project, key)) {
            if (d.type === "array" && d.items === undefined) {
                problems.push(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
            }
            if (d.type !== undefined && d.default !== undefined && !hasConfigType(d.type, d.items, d.default)) {
                problems.push(`The default value specified for configuration key '${key}' is not of the expected type '${typeName(d.type, d.items)}'`);
            }
            // Not a CLI rule at the pinned version (mergeConfig applies a default without checking it), but a
            // plaintext default would hand the program a secret the CLI never encrypts: this project refuses it.
            if (d.secret === true && (d.default !== undefined || d.value !== undefined) && !isSecure(d.default ?? d.value)) {
                problems.push(`The secret configuration key '${key}' declares a plaintext default: a secret key is declared without one`);
            }
        } else {
            if (d.type !== undefined) problems.push(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
            if (d.default !== undefined) problems.push(`Configuration key '${key}' is not namespaced by the project and should not define a default value`);
            else if (d.value === undefined) problems.push(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
    }
    return problems;
}

/** `formatMissingKeys`: `'a'`, or `'a', 'b' and 'c'`, sorted. */
function formatMissing(keys: string[]): string {
    const quoted = [...keys].sort().map((k) => `'${k}'`);
    return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/**
 * What `pulumi preview` says about a stack's configuration before it runs the program: one message per
 * problem, worded as the CLI words it (the first is what the CLI prints; it stops there). Empty when the
 * CLI would go on. `stackConfig` is the stack file's `config:` section as YAML gives it.
 */
export function pulumiConfigProblems(projectFile: Yaml, stack: string, stackConfig: Yaml): string[] {
    const declared = projectDeclarationProblems(projectFile);
    if (declared.length > 0) return declared;
    const project = String(projectFile["name"]);
    const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
    const stackValues = new Map(Object.entries(stackConfig).map(([key, value]) => [qualify(key), value]));
    const missing: string[] = [];
    const problems: string[] = [];
    for (const key of Object.keys(isObject(projectFile["config"]) ? projectFile["config"] : {}).sort()) {
        const d = declarationOf(project, key, (projectFile["config"] as Yaml)[key]);
        const full = qualify(key);
        const found = stackValues.has(full);
        if (!found && d.value === undefined && d.default === undefined && full.startsWith(`${project}:`)) {
            missing.push(key);
            continue;
        }
        if (!found || d.type === undefined) continue;
        const value = stackValues.get(full);
        if (d.secret === true && !isSecure(value)) {
            problems.push(`Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`);
            continue;
        }
        // a secure value is checked after decryption, which needs the stack's secrets provider: offline, trust its type
        if (isSecure(value)) continue;
        if (!hasConfigType(d.type, d.items, asStored(value))) {
            problems.push(`Stack '${stack}' with configuration key '${key}' must be of type '${typeName(d.type, d.items)}'`);
        }
    }
    if (missing.length > 0) problems.push(`Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${formatMissing(missing)}`);
    return problems;
}

/** The same check over the files on disk (Pulumi.yaml and the stack's file). */
export function pulumiConfigProblemsOf(projectDir: string, stack: string, stackFilePath?: string): string[] {
    const projectFile = parseYaml(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as Yaml;
    const stackFile = parseYaml(fs.readFileSync(stackFilePath ?? path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) as Yaml | null;
    const section = isObject(stackFile) && isObject(stackFile["config"]) ? stackFile["config"] : {};
    return pulumiConfigProblems(projectFile, stack, section);
}
