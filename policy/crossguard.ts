import type { PolicyResource } from "@pulumi/policy";
import { PolicyStack, PolicySubject, UNKNOWN } from "./subject";

/*
 * CrossGuard's view of a stack, turned into the shape the policy functions take. During a preview some
 * values are not known; CrossGuard throws on reading one, which would skip the whole policy. Each is read
 * here once and replaced by UNKNOWN, so a policy judges everything known and passes over the rest.
 */

/** Reads a value, turning an unknown into {@link UNKNOWN} and copying objects out of CrossGuard's proxies. */
function settle(read: () => unknown): unknown {
    let value: unknown;
    try {
        value = read();
    } catch (error) {
        // @pulumi/policy's UnknownValueError is internal (not in its typings): recognise it by name
        if (error instanceof Error && error.constructor.name === "UnknownValueError") return UNKNOWN;
        throw error;
    }
    if (Array.isArray(value)) {
        const items = value as unknown[];
        return Array.from({ length: items.length }, (_, i) => settle(() => items[i]));
    }
    if (value !== null && typeof value === "object") {
        const object = value as Record<string, unknown>;
        return Object.fromEntries(Object.keys(object).map((key) => [key, settle(() => object[key])]));
    }
    return value;
}

/** A CrossGuard resource as a policy subject: outputs as props, dependencies by URN. */
function subjectOf(resource: PolicyResource): PolicySubject {
    const dependsOn = new Set(resource.dependencies.map((d) => d.urn));
    for (const resources of Object.values(resource.propertyDependencies)) for (const d of resources) dependsOn.add(d.urn);
    return {
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        parent: resource.parent?.urn,
        props: settle(() => resource.props) as Record<string, unknown>,
        protect: resource.opts.protect,
        // CrossGuard does not show retainOnDelete: the offline plan checks it
        retainOnDelete: undefined,
        dependsOn: [...dependsOn],
    };
}

/** The stack as the policies see it under `pulumi preview --policy-pack policy`. */
export function policyStackOfCrossGuard(resources: readonly PolicyResource[]): PolicyStack {
    const subjects = resources.map(subjectOf);
    const root = subjects.find((r) => r.type === "pulumi:pulumi:Stack");
    // secrets arrive in plaintext: whether a value is secret is the offline plan's to check
    return { resources: subjects, outputs: root?.props ?? {}, secretsVisible: false };
}
