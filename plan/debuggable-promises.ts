/**
 * Pulumi's SDK passes each of its internal promises through `debuggablePromise` (runtime/debuggable.js), which
 * stores a formatted stack trace (`new Error().stack`) on the promise so that, if the program exits with the
 * promise unsettled, the leak report can say where it was made. A plan makes tens of thousands of them, and
 * formatting their stacks was half of an offline plan's CPU time (profiled on @pulumi/pulumi 3.270: 400 ms a
 * plan with the traces, 210 ms without). The SDK prints those traces only when PULUMI_DEBUG_PROMISE_LEAKS is
 * set; otherwise the leak report is a count. So the plan keeps the leak detection (each promise is still
 * tracked, with its context: "monitor.registerResource(...)") and records the trace only for a run with
 * PULUMI_DEBUG_PROMISE_LEAKS. The SDK's own calls read the function off the module each time
 * (`debuggable_1.debuggablePromise(…)`), so replacing the export reaches them. Resource source positions
 * (`Resource.callsites`) raise the limit themselves and are unchanged.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise: <T>(promise: Promise<T>, context: unknown) => Promise<T>;
    /** PULUMI_DEBUG_PROMISE_LEAKS was set: the leak report prints each promise's trace. */
    debugPromiseLeaks: boolean;
    __withoutStackTraces?: true;
};

/** Makes Pulumi's promise bookkeeping skip the stack trace it records on each promise, unless its leak report would print them. */
export function skipPromiseStackTraces(): void {
    if (debuggable.__withoutStackTraces || debuggable.debugPromiseLeaks) return;
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
    debuggable.__withoutStackTraces = true;
}
