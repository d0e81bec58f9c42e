import type { CliRun, PlanAsk, PlanRunText, Urgency } from "./plan-pool";

/*
 * How test processes talk to the run's plan pool (test/plan-pool-server.ts): over a local socket, one JSON
 * message a line, each answer naming the request it answers.
 */

/** What a test process asks the pool: a {@link Planner} call. */
export type PoolMessage = { op: "plan"; ask: PlanAsk; urgency: Urgency } | { op: "cli"; args: string[] } | { op: "commit"; projectDir: string; stacks: string[] };

/** A plan asked for before, now wanted sooner: the pool moves it forward in its queue and does not answer. */
export type PoolHurry = { op: "hurry"; ask: PlanAsk; urgency: Urgency };

/** A message with its number, which the answer repeats. */
export type PoolRequest = PoolMessage & { id: number };

/** The answer to one: what the pool's method returned (plans with the files their documents are in), or the error it threw. */
export type PoolResponse = { id: number; result?: PlanRunText | PlanRunText[] | CliRun; error?: string };

/** Splits a stream into lines and hands each on as it completes. */
export function onLines(stream: NodeJS.ReadableStream, handle: (line: string) => void): void {
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, end);
            buffered = buffered.slice(end + 1);
            if (line) handle(line);
        }
    });
}
