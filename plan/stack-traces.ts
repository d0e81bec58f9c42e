/*
 * Two pieces of the Pulumi SDK's bookkeeping format a stack trace per object, which an offline plan never reads and
 * which together were more than half of a plan's CPU time.
 *
 * Promises. Pulumi's SDK passes each of its internal promises through `debuggablePromise` (runtime/debuggable.js), which
 * stores a formatted stack trace (`new Error().stack`) on the promise so that, if the program exits with the
 * promise unsettled, the leak report can say where it was made. A plan makes tens of thousands of them, and
 * formatting their stacks was half of an offline plan's CPU time (profiled on @pulumi/pulumi 3.270: 400 ms a
 * plan with the traces, 210 ms without). The SDK prints those traces only when PULUMI_DEBUG_PROMISE_LEAKS is
 * set; otherwise the leak report is a count. So the plan keeps the leak detection (each promise is still
 * tracked, with its context: "monitor.registerResource(...)") and records the trace only for a run with
 * PULUMI_DEBUG_PROMISE_LEAKS. The SDK's own calls read the function off the module each time
 * (`debuggable_1.debuggablePromise(…)`), so replacing the export reaches them. Resource source positions
 * (below) raise the limit themselves and are unaffected.
 *
 * Source positions. Each resource's constructor calls `Resource.stackTrace(4)` (resource.js): the whole stack,
 * formatted and parsed into file positions, which registerResource sends so the engine can show where in the
 * program a resource was made. The mock monitor drops them and the plan records none: in the plan they are empty.
 */
import { Resource } from "@pulumi/pulumi";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise: <T>(promise: Promise<T>, context: unknown) => Promise<T>;
    /** PULUMI_DEBUG_PROMISE_LEAKS was set: the leak report prints each promise's trace. */
    debugPromiseLeaks: boolean;
    __withoutStackTraces?: true;
};

/** What the SDK calls for a resource's source position (a static method it keeps off the public types). */
const positions = Resource as unknown as { stackTrace: (skip: number) => unknown[] };

/**
 * Makes Pulumi's bookkeeping skip the stack traces an offline plan does not use (once per process): resources get no
 * source position, promises no trace of where they were made unless the leak report would print it.
 */
export function skipStackTraces(): void {
    if (debuggable.__withoutStackTraces) return;
    debuggable.__withoutStackTraces = true;
    positions.stackTrace = () => [];
    if (debuggable.debugPromiseLeaks) return;
    const recordWithTrace = debuggable.debuggablePromise;
    debuggable.debuggablePromise = <T>(promise: Promise<T>, context: unknown): Promise<T> => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return recordWithTrace(promise, context);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}
