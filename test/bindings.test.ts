import * as assert from "node:assert/strict";
import { BoundIdentities } from "../providers/bindings";
import type { WorkloadIdentity } from "../providers/contract";

describe("providers: one identity per ServiceAccount", () => {
    const identity = (reach: "bucket" | "prefix") =>
        ({ serviceAccountAnnotations: {}, podLabels: {}, env: {}, secretEnv: {}, privateEgress: [], reach, principal: undefined, readyWhen: [] }) as unknown as WorkloadIdentity;
    it("binds an account once, and refuses the same account with another extent of the bucket", () => {
        const bound = new BoundIdentities();
        const account = { namespace: "lab", name: "postgres" };
        let made = 0;
        const bind = () => (made++, identity("prefix"));
        const first = bound.of(account, { prefix: "backups/postgres/" }, bind);
        assert.equal(bound.of(account, { prefix: "backups/postgres/" }, bind), first);
        assert.equal(made, 1);
        assert.throws(() => bound.of(account, undefined, bind), /bound to backups\/postgres\/ already; it cannot also reach the whole bucket/);
        assert.throws(() => bound.of(account, { prefix: "mlflow/" }, bind), /cannot also reach mlflow\//);
    });
});
