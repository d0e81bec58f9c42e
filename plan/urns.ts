import { Plan, PlannedResource } from "./types";

/*
 * URN stability between two plans of one stack. A resource's URN is its identity to the engine: a new type token,
 * name or parent of any ancestor gives it a new URN, and the engine deletes the old resource and creates a new
 * one unless an alias maps the old URN to it. For a Namespace, a database or a random password that is data lost.
 */

/** A custom resource whose URN changed without an alias: the engine would delete it and create it again. */
export interface UrnMove {
    type: string;
    /** The URN it had (base). */
    before: string;
    /** The URN it has now, unaliased. */
    after: string;
}

/** What identifies a resource across a rename: its type and name, or its type and inputs. */
function sameThing(a: PlannedResource, b: PlannedResource): boolean {
    if (a.type !== b.type) return false;
    return a.name === b.name || JSON.stringify(a.inputs) === JSON.stringify(b.inputs);
}

/**
 * Custom resources of `base` that `head` still has (same type, and same name or inputs) under another URN that
 * no alias of `head` covers. A resource that is simply gone (a service switched off) is not a move.
 */
export function urnMoves(base: Pick<Plan, "resources">, head: Pick<Plan, "resources">): UrnMove[] {
    const headUrns = new Set(head.resources.map((r) => r.urn));
    const aliased = new Set(head.resources.flatMap((r) => r.aliases ?? []));
    const added = head.resources.filter((r) => r.custom && !base.resources.some((b) => b.urn === r.urn));
    const moves: UrnMove[] = [];
    for (const old of base.resources.filter((r) => r.custom)) {
        if (headUrns.has(old.urn) || aliased.has(old.urn)) continue;
        const now = added.find((r) => sameThing(old, r));
        if (now) moves.push({ type: old.type, before: old.urn, after: now.urn });
    }
    return moves;
}
