/*
 * What a policy judges, in one shape for both places the policies run: CrossGuard (`pulumi preview
 * --policy-pack policy`, see crossguard.ts) and the offline plan (plan/policy.ts). Policy functions take a
 * PolicyStack and return violations; they import no SDK, so the plan and the tests load them cheaply.
 */

/** A value the engine does not know yet (a preview before the resource exists). */
export const UNKNOWN = "[unknown]";
/** How the offline plan shows a secret value. */
export const SECRET = "[secret]";

/** One resource as a policy sees it. */
export interface PolicySubject {
    urn: string;
    /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`. */
    type: string;
    name: string;
    /** URN of the parent, if any. */
    parent?: string;
    /**
     * What CrossGuard passes a policy: the resource's outputs ({@link UNKNOWN} where not known yet). For a custom
     * resource those are its inputs plus what the provider computes; for a remote component only the outputs its
     * provider returns (never its inputs).
     */
    props: Record<string, unknown>;
    /**
     * The inputs as registered, where the runner sees them (the offline plan; CrossGuard does not). A policy reads
     * them only to judge offline what CrossGuard judges on a remote component's children, which the plan cannot see.
     */
    inputs?: Record<string, unknown>;
    protect: boolean;
    /** `retainOnDelete`, where the runner sees it (the plan does; CrossGuard does not). */
    retainOnDelete?: boolean;
    /** URNs this resource depends on (explicitly or through its inputs). */
    dependsOn: string[];
}

/** The whole stack as a policy sees it. */
export interface PolicyStack {
    resources: PolicySubject[];
    /** Stack outputs, where known. */
    outputs: Record<string, unknown>;
    /** Secret values show as {@link SECRET} (the plan); CrossGuard hands policies plaintext instead. */
    secretsVisible: boolean;
}

/** A broken rule, naming the resource. */
export interface Finding {
    /** The resource at fault (absent for the stack as a whole). */
    urn?: string;
    /** What is wrong, starting with the resource's type and name. */
    message: string;
}

/** A mandatory rule of the workbench, run the same way by CrossGuard, the plan and the tests. */
export interface WorkbenchPolicy {
    /** Unique id (CrossGuard's policy name). */
    name: string;
    /** What the rule promises. */
    description: string;
    /** Every violation in the stack. */
    check(stack: PolicyStack): Finding[];
}

/** A finding about a resource: the message names its type and name. */
export function finding(resource: PolicySubject, message: string): Finding {
    return { urn: resource.urn, message: `${resource.type} ${resource.name}: ${message}` };
}

/** Resources of one of these types. */
export function ofTypes(stack: PolicyStack, ...types: string[]): PolicySubject[] {
    return stack.resources.filter((r) => types.includes(r.type));
}

/** A nested value by path; undefined where absent. */
export function at(value: unknown, ...path: Array<string | number>): unknown {
    return path.reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), value);
}

/** Known: neither absent nor {@link UNKNOWN}. */
export function known<T>(value: T | undefined): value is T {
    // compared as unknown: TypeScript 3.8 (the policy runtime's vendored compiler) rejects T !== string
    return value !== undefined && (value as unknown) !== UNKNOWN;
}

/** A plain object, or an empty one. */
export function record(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** An array, or an empty one. */
export function list(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

/** A JSON document given as a string (IAM policies), or undefined where it is unknown or not JSON. */
export function parseJson(value: unknown): unknown {
    if (typeof value === "object" && value !== null) return value;
    if (typeof value !== "string" || value === UNKNOWN) return undefined;
    try {
        return JSON.parse(value);
    } catch {
        return undefined;
    }
}

/** Every leaf of a value with its path, e.g. `hub.config.JupyterHub.authenticator_class`. */
export function* leaves(value: unknown, path: string[] = []): Generator<[string[], unknown]> {
    if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) yield* leaves(item, [...path, String(i)]);
    } else if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) yield* leaves(item, [...path, key]);
    } else {
        yield [path, value];
    }
}

/** Whether a pod with `labels` is selected by `matchLabels` (a label selector's equality part). */
export function selects(matchLabels: Record<string, unknown>, labels: Record<string, string>): boolean {
    return Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
}

/** The Helm releases of a chart (`kubernetes:helm.sh/v3:Release`). */
export function releasesOf(stack: PolicyStack, chart: string): PolicySubject[] {
    return ofTypes(stack, HELM_RELEASE).filter((r) => r.props.chart === chart);
}

/** The type token of Helm releases. */
export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** Where the resources that depend on `resource` point at it: through dependencies or by a property naming it. */
export function dependents(stack: PolicyStack, resource: PolicySubject, property: string, names: unknown[] = []): PolicySubject[] {
    const named = names.filter(known);
    return stack.resources.filter((r) => r.dependsOn.includes(resource.urn) || (named.length > 0 && named.includes(r.props[property])));
}
