import * as net from "node:net";
import { CliRun, PlanAsk, planKey, Planner, PlanRun, PlanRunText, readRun, Urgency } from "./plan-pool";
import { onLines, PoolHurry, PoolMessage, PoolResponse } from "./plan-pool-protocol";

/**
 * A test process's side of the run's plan pool (test/plan-pool-server.ts), at the socket `npm test` names. A plan
 * asked for twice in this process is asked once; asked for again sooner than it was queued, the pool is told to
 * move it forward in its queue.
 */
export class RemotePlanner implements Planner {
    private socket?: net.Socket;
    private nextId = 0;
    private readonly waiting = new Map<number, (response: PoolResponse) => void>();
    private readonly plans = new Map<string, { urgency: Urgency; run: Promise<PlanRun> }>();

    constructor(private readonly socketPath: string) {}

    plan(ask: PlanAsk, urgency: Urgency): Promise<PlanRun> {
        const key = planKey(ask);
        const known = this.plans.get(key);
        if (known) {
            if (urgency < known.urgency) {
                known.urgency = urgency;
                this.connection().write(`${JSON.stringify({ op: "hurry", ask, urgency } satisfies PoolHurry)}\n`);
            }
            return known.run;
        }
        const run = this.send<PlanRunText>({ op: "plan", ask, urgency }).then((planned) => readRun(planned, ask.loadedPackages === true));
        // awaited (and reported) by the tests that use it; a run nobody awaits must not crash the process
        run.catch(() => undefined);
        this.plans.set(key, { urgency, run });
        return run;
    }

    cli(args: string[]): Promise<CliRun> {
        return this.send<CliRun>({ op: "cli", args });
    }

    commit(projectDir: string, stacks: readonly string[]): Promise<PlanRun[]> {
        return this.send<PlanRunText[]>({ op: "commit", projectDir, stacks: [...stacks] }).then((runs) => runs.map((run) => readRun(run, false)));
    }

    private connection(): net.Socket {
        if (!this.socket) {
            const socket = net.connect(this.socketPath);
            onLines(socket, (line) => {
                const response = JSON.parse(line) as PoolResponse;
                this.waiting.get(response.id)?.(response);
                this.waiting.delete(response.id);
                if (this.waiting.size === 0) socket.unref();
            });
            socket.on("error", (error) => {
                for (const [id, fail] of this.waiting) fail({ id, error: `the run's plan pool at ${this.socketPath}: ${error.message}` });
                this.waiting.clear();
                this.socket = undefined;
            });
            this.socket = socket;
        }
        return this.socket;
    }

    private send<T>(message: PoolMessage): Promise<T> {
        const id = this.nextId++;
        const socket = this.connection();
        return new Promise<T>((resolve, reject) => {
            this.waiting.set(id, (response) => (response.error !== undefined ? reject(new Error(response.error)) : resolve(response.result as T)));
            // a test process waiting on the pool stays alive until it answers; an idle one may exit
            socket.ref();
            socket.write(`${JSON.stringify({ ...message, id })}\n`);
        });
    }
}
