import { BindingScope, ServiceAccountRef, WorkloadIdentity } from "./contract";

/** A scope in words, for comparing two requests and for messages: the prefix, and what is excluded from it. */
export function describeScope(scope: BindingScope | undefined): string {
    const extent = scope?.prefix ?? "the whole bucket";
    const excluded = [...new Set(scope?.excludePrefixes ?? [])].sort();
    return excluded.length > 0 ? `${extent} except ${excluded.join(", ")}` : extent;
}

/**
 * The identities an object store has bound, one per ServiceAccount: a second request for the same account
 * gets the same identity rather than a second role, account or federated credential trusting it. The same
 * account asked for with another scope (another prefix, or other excluded prefixes) is a programming error:
 * one identity cannot reach two extents.
 */
export class BoundIdentities {
    private readonly bound = new Map<string, { scope: string; identity: WorkloadIdentity }>();

    /** The account's identity, made by `bind` the first time it is asked for. */
    of(account: ServiceAccountRef, scope: BindingScope | undefined, bind: (key: string) => WorkloadIdentity): WorkloadIdentity {
        const key = `${account.namespace}/${account.name}`;
        const asked = describeScope(scope);
        const existing = this.bound.get(key);
        if (existing) {
            if (existing.scope !== asked) {
                throw new Error(`ServiceAccount ${key} is bound to ${existing.scope} already; it cannot also reach ${asked}`);
            }
            return existing.identity;
        }
        const identity = bind(key);
        this.bound.set(key, { scope: asked, identity });
        return identity;
    }
}
