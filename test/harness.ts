import { ChildProcess, fork, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { PLAN_CLI, PROJECT_DIR, SHIPPED_STACKS } from "../plan/paths";
import type { ConfigProblem } from "../stacks/errors";
import type { Plan, PlannedResource } from "../plan/types";
import type { WorkerCliRequest, WorkerCliResponse, WorkerRequest, WorkerResponse } from "../plan/worker";

/*
 * `python3` may be a version manager's shim (pyenv's is a bash script that runs several pyenv commands before
 * Python starts, costing more than the scripts the tests run): the interpreter it resolves to goes first on
 * the PATH this process and its children search, once.
 */
const python = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
const interpreter = python.status === 0 ? python.stdout.trim() : "";
if (interpreter && fs.existsSync(interpreter)) process.env["PATH"] = `${path.dirname(interpreter)}${path.delimiter}${process.env["PATH"] ?? ""}`;

/** This run's temporary folder ({@link tempDir}), removed when the run ends. */
const RUN_TMP = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-test-run-"));
process.on("exit", () => fs.rmSync(RUN_TMP, { recursive: true, force: true }));

/** A new temporary folder for a test (fake tools, drafts, worktrees), inside this run's, which is removed when the run ends. */
export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(RUN_TMP, prefix));
}

export { PLAN_CLI, PROJECT_DIR } from "../plan/paths";

/** Every stack file the project ships. */
export const STACKS = SHIPPED_STACKS;

/** What one run of the plan CLI produced. */
export interface PlanRun {
    /** Exit status. */
    status: number;
    stderr: string;
    /** The JSON document on stdout: a plan, or an error document. */
    document: Plan & PlanFailure & { loadedPackages?: string[] };
    /**
     * The @pulumi packages its worker had loaded after it, when they are what this plan alone would load (see
     * {@link cloudsPlannedBy}); the plan's document carries them only when asked for (`loadedPackages`).
     */
    loadedPackages?: string[];
}

/** The JSON the CLI prints for a failed plan. */
export interface PlanFailure {
    error?: string;
    problems?: ConfigProblem[];
}

const runs = new Map<string, Promise<PlanRun>>();

/**
 * How soon a queued plan (or CLI run) starts: what a test is waiting for now, then the shipped stacks' plans
 * (most files share them), each in the order asked.
 */
enum Urgency {
    /** A test (or a step of a chain already running) awaits it. */
    Now = 0,
    /** The shipped stacks' plans, started as the run begins. */
    Shipped = 1,
}

interface QueuedWork {
    urgency: Urgency;
    order: number;
    start: () => void;
}

// Plans run as child processes; more at once than cores only makes each slower. A test that awaits a queued
// plan moves it to the front. Under `mocha --parallel` (npm test) each worker process, one per core, runs one
// plan at a time: the other cores run the other workers' tests.
const MAX_CONCURRENT_PLANS = process.env["MOCHA_WORKER_ID"] !== undefined ? 1 : Math.max(1, os.availableParallelism());
let runningPlans = 0;
let queuedSoFar = 0;
const queue: QueuedWork[] = [];
/** The queued work of each cached key, to move it forward when a test comes to await it. */
const queuedByKey = new Map<string, QueuedWork>();

function startNext(): void {
    while (runningPlans < MAX_CONCURRENT_PLANS && queue.length > 0) {
        let next = 0;
        for (let i = 1; i < queue.length; i++) {
            if (queue[i].urgency < queue[next].urgency || (queue[i].urgency === queue[next].urgency && queue[i].order < queue[next].order)) next = i;
        }
        const [work] = queue.splice(next, 1);
        runningPlans++;
        work.start();
    }
}

function inPlanSlot<T>(urgency: Urgency, work: () => Promise<T>, key?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const queued: QueuedWork = {
            urgency,
            order: queuedSoFar++,
            start: () => {
                if (key !== undefined) queuedByKey.delete(key);
                work()
                    .then(resolve, reject)
                    .finally(() => {
                        runningPlans--;
                        startNext();
                    });
            },
        };
        if (key !== undefined) queuedByKey.set(key, queued);
        queue.push(queued);
        startNext();
    });
}

type PlanRunOptions = { stackFile?: string; loadedPackages?: boolean; preview?: boolean };

/** The cache key of a plan: what the worker is asked. */
const planKey = (stack: string, options: PlanRunOptions) => JSON.stringify([stack, options.stackFile ?? null, options.preview === true, options.loadedPackages === true]);

function planRun(stack: string, options: PlanRunOptions, urgency: Urgency): Promise<PlanRun> {
    const key = planKey(stack, options);
    let run = runs.get(key);
    if (!run) {
        const request = { projectDir: PROJECT_DIR, stack, stackFile: options.stackFile, preview: options.preview };
        if (options.loadedPackages) {
            // the plain plan's worker may have loaded nothing another plan brought in; if not, a worker started for it
            // (or another process's plain plan, shared, whose worker had)
            run = planRun(stack, { ...options, loadedPackages: false }, urgency).then((plain) => {
                const shared = plain.loadedPackages ? undefined : readSharedPlan(sharedPlanFile(request));
                const alone = plain.loadedPackages ? plain : shared?.loadedPackages ? shared : undefined;
                return alone
                    ? { ...alone, document: { ...alone.document, loadedPackages: alone.loadedPackages } }
                    : inPlanSlot(urgency, () => planInFreshWorker({ ...request, loadedPackages: true }));
            });
        } else {
            run = inPlanSlot(urgency, () => planSharedOrInWorker(request), key);
        }
        // awaited (and reported) by the tests that use it; a run nobody awaits must not crash the process
        run.catch(() => undefined);
        runs.set(key, run);
    } else {
        const queued = queuedByKey.get(key);
        if (queued && urgency < queued.urgency) queued.urgency = urgency;
    }
    return run;
}

/**
 * Successful plans shared by the processes of one run (mocha's workers under `npm test`, which names the folder):
 * a plan another worker has finished is read, not planned again. Keyed by what is planned (the stack file's text,
 * not its path, which is each process's own), with what its worker said it alone loaded.
 */
const SHARED_PLANS = process.env["WORKBENCH_SHARED_PLANS"];

function sharedPlanFile(request: Omit<WorkerRequest, "id">): string | undefined {
    if (!SHARED_PLANS) return undefined;
    const stackText = request.stackFile ? fs.readFileSync(request.stackFile, "utf8") : null;
    const what = JSON.stringify([request.projectDir, request.stack, stackText, request.preview === true]);
    return path.join(SHARED_PLANS, `${createHash("sha256").update(what).digest("hex").slice(0, 24)}.json`);
}

/** The plan another process of the run left in `file`, if it has. */
function readSharedPlan(file: string | undefined): PlanRun | undefined {
    return file && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as PlanRun) : undefined;
}

async function planSharedOrInWorker(request: Omit<WorkerRequest, "id">): Promise<PlanRun> {
    const file = sharedPlanFile(request);
    const shared = readSharedPlan(file);
    if (shared) return shared;
    const run = await planInWorker(request);
    if (file && run.status === 0) {
        // whole or not at all: another process may be reading
        const partial = `${file}.${process.pid}`;
        fs.writeFileSync(partial, JSON.stringify(run));
        fs.renameSync(partial, file);
    }
    return run;
}

/**
 * Plans a stack with the CLI's own code (`plan/run.ts`, as `npm run plan -- --json` does) in a plan worker;
 * runs are cached per stack and config so several tests share one plan. A plan still queued behind the
 * shipped stacks' moves to the front.
 */
export function runPlan(stack: string, options: PlanRunOptions = {}): Promise<PlanRun> {
    return planRun(stack, options, Urgency.Now);
}

/**
 * Plan workers (plan/worker.ts): long-lived processes that plan one stack at a time with the same code as
 * the CLI, so the Pulumi SDK and the program load once per worker rather than once per plan. One per plan
 * slot; an idle worker does not keep the test process alive.
 */
const idleWorkers: ChildProcess[] = [];
/** The CPU time each plan worker reported last (WORKBENCH_CPU_REPORT: written there when the run ends). */
const workerCpuMs = new Map<ChildProcess, number>();
process.on("exit", () => {
    const report = process.env["WORKBENCH_CPU_REPORT"];
    if (report) fs.appendFileSync(report, `${[...workerCpuMs.values()].reduce((a, b) => a + b, 0).toFixed(0)}\n`);
});
/**
 * The clouds of the plans each worker has run ("?" for one that failed before saying). Which SDK packages a
 * plan loads is what its worker has loaded, if nothing before it brought in a package it would not: true of a
 * worker's first plan, and of a plan of cloud X by a worker that has planned only stacks of X and existing
 * clusters (an existing cluster's plan loads no cloud SDK, which its own first-plan check shows). A plan of a
 * shipped stack on such a worker answers the "only the selected cloud's SDK" check without a worker of its own.
 */
const cloudsPlannedBy = new Map<ChildProcess, Set<string>>();

/** The cloud a worker's answer planned for ("?" when the plan failed before saying). */
const cloudOf = (response: WorkerResponse): string => (response.document as { cloud?: string }).cloud ?? "?";

/** For work whose plans the harness does not see (a CLI run, another commit's program): the worker's later plans no longer say what they alone load. */
const unknownHistory = (worker: ChildProcess) => () => void cloudsPlannedBy.set(worker, new Set(["?"]));

/** What a worker answers: a plan's outcome, or what a run of the CLI printed. */
type WorkerAnswer = WorkerResponse | WorkerCliResponse;
const pending = new Map<number, (response: WorkerAnswer) => void>();
/** The requests each worker has not answered yet. */
const askedOf = new Map<ChildProcess, Set<number>>();
let nextRequest = 0;

function startWorker(): ChildProcess {
    // a young generation larger than V8's default: a plan allocates many short-lived objects, and scavenges were a quarter of its time
    const worker = fork(path.join(PROJECT_DIR, "plan", "worker.cjs"), [], { cwd: PROJECT_DIR, execArgv: ["--max-semi-space-size=64"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
    worker.on("message", (response: WorkerAnswer) => {
        if ("cpuMs" in response && response.cpuMs !== undefined) workerCpuMs.set(worker, response.cpuMs);
        pending.get(response.id)?.(response);
        pending.delete(response.id);
        askedOf.get(worker)?.delete(response.id);
    });
    worker.on("exit", (code) => {
        // what this worker was asked and never answered fails; other workers' requests go on
        for (const id of askedOf.get(worker) ?? []) {
            pending.get(id)?.({ id, status: code ?? 1, stdout: "", stderr: `plan worker exited (${code})`, document: {} });
            pending.delete(id);
        }
        askedOf.delete(worker);
        const index = idleWorkers.indexOf(worker);
        if (index >= 0) idleWorkers.splice(index, 1);
    });
    return worker;
}

/** Sends one request to a worker and waits for its answer. */
function ask<T extends WorkerAnswer>(worker: ChildProcess, request: Omit<WorkerRequest, "id"> | Omit<WorkerCliRequest, "id">): Promise<T> {
    const id = nextRequest++;
    return new Promise<T>((resolve) => {
        pending.set(id, (answer) => resolve(answer as T));
        askedOf.set(worker, (askedOf.get(worker) ?? new Set()).add(id));
        worker.send({ ...request, id });
    });
}

/**
 * Plans each stack of another commit's checkout (`projectDir`) for its engine URNs, one after another on a pooled
 * worker (this commit's planner, the checkout's program: past the config check its Pulumi.yaml may predate, without
 * today's policy verdict). The SDK's modules are shared; the checkout's own are forgotten after each plan, since the
 * folder is reused for other commits, and the worker's later plans no longer say what they alone load.
 */
export function planCommit(projectDir: string, stacks: readonly string[]): Promise<PlanRun[]> {
    return inPlanSlot(Urgency.Now, async () => {
        const plans: PlanRun[] = [];
        for (const stack of stacks) {
            const request = { projectDir, stack, skipConfigValidation: true, policyVerdict: false, forgetProgram: true };
            const response = await onPooledWorker<WorkerResponse>(request, unknownHistory);
            plans.push({ status: response.status, stderr: response.stderr, document: response.document as PlanRun["document"] });
        }
        return plans;
    });
}

/**
 * Runs a request on an idle pooled worker (starting one when none is idle). `onWorker`, given the worker before the
 * request goes out, returns what to do with its answer (the worker's history, {@link cloudsPlannedBy}).
 */
async function onPooledWorker<T extends WorkerAnswer>(
    request: Omit<WorkerRequest, "id"> | Omit<WorkerCliRequest, "id">,
    onWorker?: (worker: ChildProcess) => (answer: T) => void,
): Promise<T> {
    const worker = idleWorkers.pop() ?? startWorker();
    worker.ref();
    worker.channel?.ref();
    const record = onWorker?.(worker);
    try {
        const answer = await ask<T>(worker, request);
        record?.(answer);
        return answer;
    } finally {
        worker.unref();
        worker.channel?.unref();
        if (worker.exitCode === null) idleWorkers.push(worker);
    }
}

/**
 * Plans in a worker started for it, whose first plan this is (what it loaded is this plan's alone); the worker
 * then joins the pool, so its start-up is not spent on one plan.
 */
async function planInFreshWorker(request: Omit<WorkerRequest, "id">): Promise<PlanRun> {
    const worker = startWorker();
    try {
        const response = await ask<WorkerResponse>(worker, request);
        cloudsPlannedBy.set(worker, new Set([cloudOf(response)]));
        return { status: response.status, stderr: response.stderr, document: response.document as PlanRun["document"] };
    } finally {
        if (worker.exitCode === null && idleWorkers.length < MAX_CONCURRENT_PLANS) {
            worker.unref();
            worker.channel?.unref();
            idleWorkers.push(worker);
        } else {
            worker.kill();
        }
    }
}

async function planInWorker(request: Omit<WorkerRequest, "id">): Promise<PlanRun> {
    let before: ReadonlySet<string> = new Set();
    const response = await onPooledWorker<WorkerResponse>({ ...request, loadedPackages: true }, (worker) => {
        before = cloudsPlannedBy.get(worker) ?? new Set();
        return (answer) => void cloudsPlannedBy.set(worker, new Set(before).add(cloudOf(answer)));
    });
    const cloud = cloudOf(response);
    const alone = cloud !== "?" && [...before].every((earlier) => earlier === "existing" || earlier === cloud);
    const { loadedPackages, ...document } = response.document as PlanRun["document"];
    return { status: response.status, stderr: response.stderr, document: document as PlanRun["document"], ...(alone ? { loadedPackages } : {}) };
}

/** What a run of the plan CLI with arguments of a test's own printed. */
export interface CliRun {
    status: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs the plan CLI with these arguments (`npm run plan -- <args>`), uncached, in a plan worker: the CLI's own
 * code (plan/cli.ts runPlanCli) with its output captured, without a process's start-up per run. What only a
 * process of its own shows (which SDKs load, the entry point) is tested through {@link PLAN_CLI} itself.
 */
export async function runCli(args: string[]): Promise<CliRun> {
    const { status, stdout, stderr } = await inPlanSlot(Urgency.Now, () => onPooledWorker<WorkerCliResponse>({ cli: args }, unknownHistory));
    return { status, stdout, stderr };
}

/**
 * Mocha's root hooks (`.mocharc.cjs` requires this file): before the first test of a run over several files
 * in one process, every shipped stack's plan is queued, ahead of what files asked for in advance, so the test
 * files share one plan per stack. Under --parallel each worker runs one file at a time, and its shipped plans
 * start when its first file asks; but its first two plans are the existing-cluster stack's and AWS's (GCP's in the
 * second worker), which most files read, so that each also says which SDKs its stack alone loads
 * ({@link cloudsPlannedBy}), sparing workers started just for that check. A run of one file plans only what that
 * file asks for.
 */
let firstFile = true;
export const mochaHooks = {
    beforeAll(this: Mocha.Context): void {
        const files = new Set(this.test?.parent?.suites.map((suite) => suite.file));
        // mocha's second worker starts with GCP's instead, for the same check, shared (SHARED_PLANS)
        const first = ["local", process.env["MOCHA_WORKER_ID"] === "1" ? "gcp" : "aws"].filter((stack) => STACKS.includes(stack));
        if (process.env["MOCHA_WORKER_ID"] !== undefined && firstFile) for (const stack of first) void planRun(stack, {}, Urgency.Now);
        if (files.size > 1) for (const stack of [...first, ...STACKS.filter((s) => !first.includes(s))]) void planRun(stack, {}, Urgency.Shipped);
        firstFile = false;
    },
};

/** Plans a shipped stack and fails the test if planning fails. */
export async function planOf(stack: string): Promise<Plan> {
    const run = await runPlan(stack);
    if (run.status !== 0) throw new Error(`plan of ${stack} failed (${run.status}): ${run.stderr}`);
    return run.document;
}

/** Plans a shipped stack as a first `pulumi preview` sees it (shared by the test files), failing the test if planning fails. */
export async function previewOf(stack: string): Promise<Plan> {
    const run = await runPlan(stack, { preview: true });
    if (run.status !== 0) throw new Error(`preview plan of ${stack} failed (${run.status}): ${run.stderr}`);
    return run.document;
}

/** Writes a stack file built from a shipped one with `config` merged over it, for one test. */
export function variantStackFile(baseStack: string, config: Record<string, unknown>, drop: string[] = []): string {
    const base = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${baseStack}.yaml`), "utf8");
    const doc = parse(base) as { config: Record<string, unknown> };
    for (const key of drop) delete doc.config[key];
    Object.assign(doc.config, config);
    const text = stringify(doc);
    // the same variant asked for by two test files is one file, so one plan (runPlan caches by path)
    const dir = path.join(RUN_TMP, "stacks", createHash("sha256").update(`${baseStack}\n${text}`).digest("hex").slice(0, 16));
    const file = path.join(dir, `Pulumi.${baseStack}.yaml`);
    if (!fs.existsSync(file)) {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(file, text);
    }
    return file;
}

/** Resources of a type. */
export function ofType(plan: Plan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

/** The one resource of a type and name; throws naming what exists when it is missing. */
export function resource(plan: Plan, type: string, name: string): PlannedResource {
    const found = plan.resources.find((r) => r.type === type && r.name === name);
    if (!found) {
        const names = ofType(plan, type).map((r) => r.name);
        throw new Error(`no ${type} named ${name} in the plan of ${plan.stack}; found: ${names.join(", ") || "none"}`);
    }
    return found;
}

/** A nested input by path, e.g. `input(r, "metadata", "name")`. */
export function input(resource: PlannedResource, ...path: string[]): unknown {
    return path.reduce<unknown>((value, key) => (value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined), resource.inputs);
}
