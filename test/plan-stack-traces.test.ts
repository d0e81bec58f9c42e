import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { Resource } from "@pulumi/pulumi";
import { skipStackTraces } from "../plan/stack-traces";

/*
 * The plan's two changes to the Pulumi SDK's bookkeeping (plan/stack-traces.ts): promises are still tracked for
 * the SDK's leak report, with their context, and only the stack trace of where each was made is left out; resources
 * get no source position. If an SDK update renames what they replace, these fail rather than the plan silently
 * slowing down or losing the leak report.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise: <T>(promise: Promise<T>, context: unknown) => Promise<T>;
    leakedPromises: () => [Set<Promise<unknown>>, string];
    debugPromiseLeaks: boolean;
};
/** What the SDK keeps on each tracked promise (runtime/debuggable.js). */
type Tracked = { _debugCtx: string; _debugStackTrace: string };

describe("the plan's Pulumi bookkeeping without stack traces", () => {
    before(() => skipStackTraces());

    it("still reports a promise left unsettled, with its context, without the trace of where it was made", () => {
        assert.equal(debuggable.debugPromiseLeaks, false, "run without PULUMI_DEBUG_PROMISE_LEAKS, which keeps the traces");
        debuggable.leakedPromises(); // start from an empty list
        let settle: () => void = () => undefined;
        const unsettled = new Promise<void>((resolve) => (settle = resolve));
        void debuggable.debuggablePromise(unsettled, "monitor.registerResource(test)");
        const [leaked, message] = debuggable.leakedPromises();
        assert.deepEqual([...leaked], [unsettled]);
        assert.match(message, /1 promise was still active/);
        const tracked = unsettled as unknown as Tracked;
        assert.equal(tracked._debugCtx, "monitor.registerResource(test)");
        assert.equal(tracked._debugStackTrace, "Error", "no frames were formatted");
        settle();
    });

    it("stops tracking a promise once it settles, and passes its value and its rejection through", async () => {
        debuggable.leakedPromises();
        assert.equal(await debuggable.debuggablePromise(Promise.resolve(42), "resolves"), 42);
        await assert.rejects(debuggable.debuggablePromise(Promise.reject(new Error("refused")), "rejects"), /refused/);
        assert.equal(debuggable.leakedPromises()[0].size, 0);
    });

    it("gives resources no source position, through the method the SDK's resource constructor calls", () => {
        const source = fs.readFileSync(require.resolve("@pulumi/pulumi/resource.js"), "utf8");
        assert.match(source, /const stackTrace = Resource\.stackTrace\(\d+\);\s+const sourcePosition = stackTrace\.length < 1 \? undefined : stackTrace\[0\];/);
        assert.deepEqual((Resource as unknown as { stackTrace: (skip: number) => unknown[] }).stackTrace(4), []);
    });

    it("leaves stack traces elsewhere as they were", () => {
        const limit = Error.stackTraceLimit;
        void debuggable.debuggablePromise(Promise.resolve(), "restores the limit");
        assert.equal(Error.stackTraceLimit, limit);
        assert.ok((new Error().stack ?? "").split("\n").length > 1);
    });
});
