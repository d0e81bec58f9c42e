import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { CliRun, PlanPool, PlanRunText } from "./plan-pool";
import { onLines, PoolHurry, PoolRequest, PoolResponse } from "./plan-pool-protocol";

/*
 * The plan pool of a whole `npm test` run (scripts/test.mjs starts it): mocha's worker processes ask it over a
 * local socket (test/plan-pool-client.ts, test/plan-pool-protocol.ts), so every test file of the run shares its
 * plans and its plan workers. Started with the socket's path; says "ready" on stdout once it listens, and stops with the
 * run (its stdin closes).
 */

/** The pool's answer to a request: plans with the files their documents are in. */
function answer(pool: PlanPool, request: PoolRequest): Promise<PlanRunText | PlanRunText[] | CliRun> {
    switch (request.op) {
        case "plan":
            return pool.planText(request.ask, request.urgency);
        case "cli":
            return pool.cli(request.args);
        case "commit":
            return pool.commitText(request.projectDir, request.stacks);
    }
}

const socketPath = process.argv[2];
if (!socketPath) throw new Error("usage: plan-pool-server <socket path>");
// the plans' documents, which the test processes read; removed when the run's pool stops
const documents = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-plans-"));
const pool = new PlanPool(Math.max(1, os.availableParallelism()), documents, true);
const server = net.createServer((socket) => {
    onLines(socket, (line) => {
        const request = JSON.parse(line) as PoolRequest | PoolHurry;
        if (request.op === "hurry") return void pool.planText(request.ask, request.urgency);
        answer(pool, request).then(
            (result) => socket.write(`${JSON.stringify({ id: request.id, result } satisfies PoolResponse)}\n`),
            (error: unknown) => socket.write(`${JSON.stringify({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies PoolResponse)}\n`),
        );
    });
    // a test process that ends mid-answer is no error of the pool's
    socket.on("error", () => undefined);
});
const stop = () => {
    pool.close();
    server.close();
    fs.rmSync(documents, { recursive: true, force: true });
    if (process.platform !== "win32") fs.rmSync(socketPath, { force: true });
    process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
// a socket file left by an earlier run of the same process id
if (process.platform !== "win32") fs.rmSync(socketPath, { force: true });
server.listen(socketPath, () => process.stdout.write("ready\n"));
