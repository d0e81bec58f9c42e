import { ChildProcess, fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../plan/paths";
import type { Plan } from "../plan/types";
import type { WorkerCliRequest, WorkerCliResponse, WorkerRequest, WorkerResponse } from "../plan/worker";
import type { ConfigProblem } from "../stacks/errors";

/*
 * The plan workers of a test run and the order they plan in. One pool serves the whole run: under `npm test` it
 * lives in a process of its own (test/plan-pool-server.ts) that every mocha worker asks, so a plan two test files
 * want is planned once, and each worker process plans one cloud, loading one cloud's SDK rather than all three.
 * A test file run alone has a pool in its own process.
 */

/** What one run of the plan CLI produced. */
export interface PlanRun {
    /** Exit status. */
    status: number;
    stderr: string;
    /** The JSON document on stdout: a plan, or an error document. */
    document: Plan & PlanFailure & { loadedPackages?: string[] };
    /**
     * The @pulumi packages its worker had loaded after it, when they are what this plan alone would load (see
     * {@link PlanPool}); the plan's document carries them only when asked for (`loadedPackages`).
     */
    loadedPackages?: string[];
}

/** A plan's run as the pool passes it on: its document in the file its worker wrote, read only by the test process that asked. */
export interface PlanRunText {
    status: number;
    stderr: string;
    /** The file holding the document's JSON. */
    documentFile: string;
    /** As {@link PlanRun.loadedPackages}. */
    loadedPackages?: string[];
}

/** The run a test reads: the document parsed, with the packages the plan alone loaded in it when it asked for them. */
export function readRun(run: PlanRunText, asked: boolean): PlanRun {
    const document = JSON.parse(fs.readFileSync(run.documentFile, "utf8")) as PlanRun["document"];
    if (asked && run.loadedPackages) document.loadedPackages = run.loadedPackages;
    return { status: run.status, stderr: run.stderr, document, ...(run.loadedPackages ? { loadedPackages: run.loadedPackages } : {}) };
}

/** The JSON the CLI prints for a failed plan. */
export interface PlanFailure {
    error?: string;
    problems?: ConfigProblem[];
}

/** What a run of the plan CLI with arguments of a test's own printed. */
export interface CliRun {
    status: number;
    stdout: string;
    stderr: string;
}

/** A plan a test asks for: a stack of a project, from its own stack file or another. */
export interface PlanAsk {
    projectDir: string;
    stack: string;
    /** A stack file other than the project's `Pulumi.<stack>.yaml`. */
    stackFile?: string;
    /** Plan as a first `pulumi preview` sees the stack. */
    preview?: boolean;
    /** Say which @pulumi packages planning this stack loads: the answer of a worker that had loaded no other cloud's SDK before. */
    loadedPackages?: boolean;
}

/**
 * How soon a queued plan (or CLI run) starts: what a test is waiting for now, then the shipped stacks' plans
 * (most files share them), each in the order asked.
 */
export enum Urgency {
    /** A test (or a step of a chain already running) awaits it. */
    Now = 0,
    /** The shipped stacks' plans, queued as the run begins. */
    Shipped = 1,
}

/** What the pool does for a test: the same whether it runs in the test's process or in the run's pool process. */
export interface Planner {
    /** Plans a stack (once per run: the same stack file's text planned again is the same answer). */
    plan(ask: PlanAsk, urgency: Urgency): Promise<PlanRun>;
    /** Runs the plan CLI with these arguments in a plan worker, uncached. */
    cli(args: string[]): Promise<CliRun>;
    /** Plans each stack of another commit's checkout, each on its cloud's worker. */
    commit(projectDir: string, stacks: readonly string[]): Promise<PlanRun[]>;
}

/** The cache key of a plan: what is planned (the stack file's text, not its path, which is each test process's own). */
export function planKey(ask: PlanAsk): string {
    const stackText = ask.stackFile ? fs.readFileSync(ask.stackFile, "utf8") : null;
    return JSON.stringify([ask.projectDir, ask.stack, stackText, ask.preview === true, ask.loadedPackages === true]);
}

/**
 * The SDK packages of each cloud (`@pulumi/<name>`). A worker that has loaded none of another cloud's says, after
 * planning a stack of this cloud, exactly which other clouds' SDKs that plan loaded.
 */
export const CLOUD_SDKS: Readonly<Record<string, readonly string[]>> = { aws: ["aws", "eks"], gcp: ["gcp"], azure: ["azure-native"], existing: [] };

/** The clouds whose SDKs a plan may load: a worker keeps to one of them where it can. */
const MANAGED_CLOUDS = Object.keys(CLOUD_SDKS).filter((cloud) => CLOUD_SDKS[cloud]!.length > 0);

/** Whether a process that has loaded these packages still shows, after planning a stack of `cloud`, what that plan alone loads. */
export function cleanFor(cloud: string, loaded: ReadonlySet<string>): boolean {
    if (CLOUD_SDKS[cloud] === undefined) return false;
    return Object.entries(CLOUD_SDKS).every(([other, sdks]) => other === cloud || sdks.every((sdk) => !loaded.has(sdk)));
}

/**
 * The cloud a stack file says it is for (`workbench:cloud`), to send its plan to that cloud's worker: a guess only,
 * read off the text (the plan's answer is what counts).
 */
function cloudOfStack(projectDir: string, stack: string, stackFile?: string): string | undefined {
    try {
        const text = fs.readFileSync(stackFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8");
        return /^\s*workbench:cloud:\s*["']?([\w-]+)/m.exec(text)?.[1];
    } catch {
        return undefined;
    }
}

/** The cloud a run of the CLI plans for: its `--stack`'s, from the stack file it names or the project's. */
function cloudOfCli(args: string[]): string | undefined {
    const value = (option: string) => (args.includes(option) ? args[args.indexOf(option) + 1] : undefined);
    const stack = value("--stack");
    return stack ? cloudOfStack(value("--project-dir") ?? PROJECT_DIR, stack, value("--stack-file")) : undefined;
}

/** A plan worker (plan/worker.ts): a long-lived process that plans one stack at a time with the CLI's code. */
interface PoolWorker {
    process: ChildProcess;
    /** The managed cloud whose plans it takes first; it loads another cloud's SDK only when idle while that cloud's worker is busy. */
    affinity?: string;
    /** The @pulumi packages it had loaded after its last answer. */
    loaded: Set<string>;
    busy: boolean;
    /** Its requests not answered yet. */
    pending: Map<number, (answer: WorkerResponse | WorkerCliResponse) => void>;
}

/** Work waiting for a worker. */
interface Job {
    urgency: Urgency;
    order: number;
    /** The cloud it plans for, if known before: its worker is that cloud's. */
    cloud?: string;
    /** It must run on a worker that has loaded no other cloud's SDK than this one's: its loads are then its own. */
    alone?: string;
    start: (worker: PoolWorker) => Promise<void>;
}

/**
 * The run's plan workers and their queue. At most `concurrency` plans run at once (more than cores only makes each
 * slower); what a test awaits goes before the shipped stacks' plans queued at the start. Each managed cloud's plans
 * go to a worker of its own, so each worker loads one cloud's SDK.
 *
 * Which SDK packages a plan loads: what its worker has loaded after it, if the worker had loaded no other cloud's SDK
 * before (true of a worker's first plan, and of a plan of cloud X by a worker that has loaded only X's), since then
 * any other cloud's SDK it has loaded after is one this plan brought in. Each answer says what its worker has
 * loaded. Those plans say so (`loadedPackages`); a test that asks for a stack's loads when its plan could not say
 * gets a worker that has loaded no other cloud's SDK (a new one if none is free).
 */
export class PlanPool implements Planner {
    private readonly workers: PoolWorker[] = [];
    private readonly queue: Job[] = [];
    private readonly runs = new Map<string, Promise<PlanRunText>>();
    /** The runs this process's tests read, each parsed once. */
    private readonly read = new Map<string, Promise<PlanRun>>();
    /** The queued job of each cached plan, to move it forward when a test comes to await it. */
    private readonly queuedByKey = new Map<string, Job>();
    private running = 0;
    private queuedSoFar = 0;
    private nextRequest = 0;
    private documentsSoFar = 0;

    /**
     * @param concurrency plans running at once
     * @param documents the folder plan workers write their documents to (its owner removes it)
     * @param keepAlive whether idle workers keep this process alive (the pool's own process) or not (a test process)
     */
    constructor(
        private readonly concurrency: number,
        private readonly documents: string,
        private readonly keepAlive = false,
    ) {}

    /** Workers kept: one per managed cloud, or one per plan running at once if more. */
    private get maxWorkers(): number {
        return Math.max(this.concurrency, MANAGED_CLOUDS.length);
    }

    plan(ask: PlanAsk, urgency: Urgency): Promise<PlanRun> {
        const key = planKey(ask);
        const text = this.planText(ask, urgency, key);
        let run = this.read.get(key);
        if (!run) {
            run = text.then((planned) => readRun(planned, ask.loadedPackages === true));
            run.catch(() => undefined);
            this.read.set(key, run);
        }
        return run;
    }

    /** A plan as {@link plan} makes it, its document left as text (for a test in another process, which reads it). */
    planText(ask: PlanAsk, urgency: Urgency, key = planKey(ask)): Promise<PlanRunText> {
        let run = this.runs.get(key);
        if (run) {
            const queued = this.queuedByKey.get(key);
            if (queued && urgency < queued.urgency) queued.urgency = urgency;
            return run;
        }
        const cloud = cloudOfStack(ask.projectDir, ask.stack, ask.stackFile);
        const request = { projectDir: ask.projectDir, stack: ask.stack, stackFile: ask.stackFile, preview: ask.preview, documentFile: this.documentFile() };
        if (ask.loadedPackages) {
            // the plain plan says what it loaded if its worker had loaded no other cloud's SDK before; if not, a worker
            // that has loaded none plans it again
            run = this.planText({ ...ask, loadedPackages: false }, urgency).then((plain) =>
                plain.loadedPackages ? plain : this.enqueue<PlanRunText>({ urgency, cloud, alone: cloud ?? "unknown" }, (worker) => this.planOn(worker, request)),
            );
        } else {
            run = this.enqueue<PlanRunText>({ urgency, cloud }, (worker) => this.planOn(worker, request), key);
        }
        // awaited (and reported) by the tests that use it; a run nobody awaits must not crash the process
        run.catch(() => undefined);
        this.runs.set(key, run);
        return run;
    }

    cli(args: string[]): Promise<CliRun> {
        return this.enqueue<CliRun>({ urgency: Urgency.Now, cloud: cloudOfCli(args) }, async (worker) => {
            const { status, stdout, stderr } = await this.ask<WorkerCliResponse>(worker, { cli: args });
            return { status, stdout, stderr };
        });
    }

    async commit(projectDir: string, stacks: readonly string[]): Promise<PlanRun[]> {
        return (await this.commitText(projectDir, stacks)).map((run) => readRun(run, false));
    }

    /** Another commit's plans as {@link commit} makes them, their documents left as text. */
    commitText(projectDir: string, stacks: readonly string[]): Promise<PlanRunText[]> {
        // this commit's planner, the checkout's program: past the config check its Pulumi.yaml may predate, without
        // today's policy verdict; the checkout's modules are forgotten after each plan, since the folder is reused.
        // Each stack goes to its cloud's worker.
        const planned = stacks.map((stack) =>
            this.enqueue<PlanRunText>({ urgency: Urgency.Now, cloud: cloudOfStack(projectDir, stack) }, async (worker) => {
                const request = { projectDir, stack, skipConfigValidation: true, policyVerdict: false, forgetProgram: true, documentFile: this.documentFile() };
                const { status, stderr, documentFile } = await this.ask<WorkerResponse>(worker, request);
                return { status, stderr, documentFile };
            }),
        );
        return Promise.all(planned);
    }

    /** Stops every worker. */
    close(): void {
        for (const worker of this.workers) worker.process.kill();
    }

    /** A new file for a plan's document, in the pool's folder; written now when `text` is given. */
    private documentFile(text?: string): string {
        const file = path.join(this.documents, `${this.documentsSoFar++}.json`);
        if (text !== undefined) fs.writeFileSync(file, text);
        return file;
    }

    /** Plans on a worker; the run says what the plan alone loaded when the worker's earlier loads allow. */
    private async planOn(worker: PoolWorker, request: Omit<WorkerRequest, "id">): Promise<PlanRunText> {
        const before = new Set(worker.loaded);
        const { status, stderr, documentFile, cloud } = await this.ask<WorkerResponse>(worker, request);
        const run = { status, stderr, documentFile };
        return cloud !== undefined && cleanFor(cloud, before) ? { ...run, loadedPackages: [...worker.loaded].sort() } : run;
    }

    private enqueue<T>(job: Omit<Job, "order" | "start">, work: (worker: PoolWorker) => Promise<T>, key?: string): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            const queued: Job = {
                ...job,
                order: this.queuedSoFar++,
                start: (worker) => {
                    if (key !== undefined) this.queuedByKey.delete(key);
                    return work(worker).then(resolve, reject);
                },
            };
            if (key !== undefined) this.queuedByKey.set(key, queued);
            this.queue.push(queued);
            this.pump();
        });
    }

    /** Starts queued work while fewer than `concurrency` run and a worker can take it. */
    private pump(): void {
        while (this.running < this.concurrency && this.queue.length > 0) {
            const waiting = [...this.queue].sort((a, b) => a.urgency - b.urgency || a.order - b.order);
            let chosen: [Job, PoolWorker] | undefined;
            for (const job of waiting) {
                const worker = this.workerFor(job);
                if (worker) {
                    chosen = [job, worker];
                    break;
                }
            }
            if (!chosen) return;
            const [job, worker] = chosen;
            this.queue.splice(this.queue.indexOf(job), 1);
            this.running++;
            worker.busy = true;
            void job.start(worker).finally(() => {
                worker.busy = false;
                this.running--;
                if (!this.keepAlive) {
                    worker.process.unref();
                    worker.process.channel?.unref();
                }
                this.pump();
            });
        }
    }

    /** The worker a job goes to now, started if it is due one; undefined when it should wait for its own. */
    private workerFor(job: Job): PoolWorker | undefined {
        const idle = this.workers.filter((w) => !w.busy);
        if (job.alone !== undefined) {
            const cloud = job.alone;
            const clean = idle.find((w) => cleanFor(cloud, w.loaded));
            return clean ?? this.startWorker(MANAGED_CLOUDS.includes(cloud) ? cloud : undefined);
        }
        const cloud = job.cloud !== undefined && MANAGED_CLOUDS.includes(job.cloud) ? job.cloud : undefined;
        if (cloud === undefined) return idle.find((w) => w.affinity === undefined) ?? idle[0] ?? (this.workers.length < this.maxWorkers ? this.startWorker(undefined) : undefined);
        const own = this.workers.find((w) => w.affinity === cloud);
        if (own) return own.busy ? undefined : own;
        const unclaimed = idle.find((w) => w.affinity === undefined);
        if (unclaimed) {
            unclaimed.affinity = cloud;
            return unclaimed;
        }
        return this.workers.length < this.maxWorkers ? this.startWorker(cloud) : undefined;
    }

    private startWorker(affinity: string | undefined): PoolWorker {
        // a young generation larger than V8's default: a plan allocates many short-lived objects, and scavenges were a quarter of its time
        const child = fork(path.join(PROJECT_DIR, "plan", "worker.cjs"), [], {
            cwd: PROJECT_DIR,
            execArgv: ["--max-semi-space-size=64"],
            stdio: ["ignore", "ignore", "inherit", "ipc"],
        });
        const worker: PoolWorker = { process: child, affinity, loaded: new Set(), busy: false, pending: new Map() };
        child.on("message", (answer: WorkerResponse | WorkerCliResponse) => {
            if (answer.loaded) worker.loaded = new Set(answer.loaded);
            worker.pending.get(answer.id)?.(answer);
            worker.pending.delete(answer.id);
        });
        child.on("exit", (code) => {
            // what this worker was asked and never answered fails; other workers' requests go on
            for (const [id, answer] of worker.pending) answer({ id, status: code ?? 1, stdout: "", stderr: `plan worker exited (${code})`, documentFile: this.documentFile("{}") });
            worker.pending.clear();
            const index = this.workers.indexOf(worker);
            if (index >= 0) this.workers.splice(index, 1);
        });
        this.workers.push(worker);
        return worker;
    }

    /** Sends one request to a worker and waits for its answer. */
    private ask<T extends WorkerResponse | WorkerCliResponse>(worker: PoolWorker, request: Omit<WorkerRequest, "id"> | Omit<WorkerCliRequest, "id">): Promise<T> {
        const id = this.nextRequest++;
        return new Promise<T>((resolve) => {
            worker.pending.set(id, (answer) => resolve(answer as T));
            worker.process.ref();
            worker.process.channel?.ref();
            worker.process.send({ ...request, id });
        });
    }
}
