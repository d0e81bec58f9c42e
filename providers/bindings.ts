import { BindingScope, ServiceAccountRef, WorkloadIdentity } from "./contract";

/**
 * The identities an object store has bound, one per ServiceAccount: a second request for the same account
 * gets the same identity rather than a second role, account or federated credential trusting it. The same
 * account asked for with another scope is a programming error: one identity cannot reach two extents.
 */
export class BoundIdentities {
    private readonly bound = new Map<string, { prefix?: string; identity: WorkloadIdentity }>();

    /** The account's identity, made by `bind` the first time it is asked for. */
    of(account: ServiceAccountRef, scope: BindingScope | undefined, bind: (key: string) => WorkloadIdentity): WorkloadIdentity {
        const key = `${account.namespace}/${account.name}`;
        const existing = this.bound.get(key);
        if (existing) {
            if (existing.prefix !== scope?.prefix) {
                throw new Error(`ServiceAccount ${key} is bound to ${existing.prefix ?? "the whole bucket"} already; it cannot also reach ${scope?.prefix ?? "the whole bucket"}`);
            }
            return existing.identity;
        }
        const identity = bind(key);
        this.bound.set(key, { prefix: scope?.prefix, identity });
        return identity;
    }
}
