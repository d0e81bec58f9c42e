import { ChildProcess, execFile, fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import type { ConfigProblem } from "../stacks/errors";
import type { Plan, PlannedResource } from "../plan/types";
import type { WorkerRequest, WorkerResponse } from "../plan/worker";

/** The project's root folder. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The plan CLI's entry point, as `npm run plan` starts it. */
export const PLAN_CLI = path.join(PROJECT_DIR, "plan", "bin.cjs");

/** Every stack file the project ships. */
export const STACKS = fs
    .readdirSync(PROJECT_DIR)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();

/** What one run of the plan CLI produced. */
export interface PlanRun {
    /** Exit status. */
    status: number;
    stderr: string;
    /** The JSON document on stdout: a plan, or an error document. */
    document: Plan & PlanFailure & { loadedPackages?: string[] };
}

/** The JSON the CLI prints for a failed plan. */
export interface PlanFailure {
    error?: string;
    problems?: ConfigProblem[];
}

const runs = new Map<string, Promise<PlanRun>>();

// Plans run as child processes; more at once than cores only makes each slower. Plans of the shipped
// stacks, which most test files share, go ahead of variants in the queue.
const MAX_CONCURRENT_PLANS = Math.max(1, os.availableParallelism());
let runningPlans = 0;
const waiting: { first: Array<() => void>; later: Array<() => void> } = { first: [], later: [] };

async function withPlanSlot<T>(first: boolean, work: () => Promise<T>): Promise<T> {
    if (runningPlans >= MAX_CONCURRENT_PLANS) await new Promise<void>((resolve) => (first ? waiting.first : waiting.later).push(resolve));
    runningPlans++;
    try {
        return await work();
    } finally {
        runningPlans--;
        (waiting.first.shift() ?? waiting.later.shift())?.();
    }
}

/**
 * Plans a stack in its own process through the real CLI (`plan/cli.ts --json`), as a user would;
 * runs are cached per stack and config so several tests share one plan.
 */
export function runPlan(stack: string, options: { stackFile?: string; loadedPackages?: boolean; preview?: boolean } = {}): Promise<PlanRun> {
    const args = [PLAN_CLI, "--stack", stack, "--json", "--project-dir", PROJECT_DIR];
    if (options.stackFile) args.push("--stack-file", options.stackFile);
    if (options.preview) args.push("--preview");
    if (options.loadedPackages) args.push("--loaded-packages");
    const key = args.join(" ");
    let run = runs.get(key);
    if (!run) {
        run = withPlanSlot(!options.stackFile && !options.loadedPackages, () =>
            // which SDKs a plan loads is only true of a process that planned nothing else: that one runs the CLI
            options.loadedPackages ? planWithCli(stack, args) : planInWorker({ projectDir: PROJECT_DIR, stack, stackFile: options.stackFile, preview: options.preview }),
        );
        // awaited (and reported) by the tests that use it; a run nobody awaits must not crash the process
        run.catch(() => undefined);
        runs.set(key, run);
    }
    return run;
}

/** Plans through the real CLI in its own process, exactly as `npm run plan -- … --json` does. */
function planWithCli(stack: string, args: string[]): Promise<PlanRun> {
    return new Promise<PlanRun>((resolve, reject) => {
        execFile(process.execPath, args, { cwd: PROJECT_DIR, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
            const status = error ? (typeof error.code === "number" ? error.code : 1) : 0;
            try {
                resolve({ status, stderr, document: JSON.parse(stdout) });
            } catch {
                reject(new Error(`plan of ${stack} printed no JSON (status ${status}):\n${stderr}\n${stdout.slice(0, 2000)}`));
            }
        });
    });
}

/**
 * Plan workers (plan/worker.ts): long-lived processes that plan one stack at a time with the same code as
 * the CLI, so the Pulumi SDK and the program load once per worker rather than once per plan. One per plan
 * slot; an idle worker does not keep the test process alive.
 */
const idleWorkers: ChildProcess[] = [];
const pending = new Map<number, (response: WorkerResponse) => void>();
let nextRequest = 0;

function startWorker(): ChildProcess {
    const worker = fork(path.join(PROJECT_DIR, "plan", "worker.cjs"), [], { cwd: PROJECT_DIR, execArgv: [], stdio: ["ignore", "ignore", "inherit", "ipc"] });
    worker.on("message", (response: WorkerResponse) => {
        pending.get(response.id)?.(response);
        pending.delete(response.id);
    });
    worker.on("exit", (code) => {
        for (const [id, settle] of pending) settle({ id, status: code ?? 1, stderr: `plan worker exited (${code})`, document: {} });
        pending.clear();
        const index = idleWorkers.indexOf(worker);
        if (index >= 0) idleWorkers.splice(index, 1);
    });
    return worker;
}

async function planInWorker(request: Omit<WorkerRequest, "id">): Promise<PlanRun> {
    const worker = idleWorkers.pop() ?? startWorker();
    worker.ref();
    worker.channel?.ref();
    try {
        const id = nextRequest++;
        const response = await new Promise<WorkerResponse>((resolve) => {
            pending.set(id, resolve);
            worker.send({ ...request, id });
        });
        return { status: response.status, stderr: response.stderr, document: response.document as PlanRun["document"] };
    } finally {
        worker.unref();
        worker.channel?.unref();
        if (worker.exitCode === null) idleWorkers.push(worker);
    }
}

/** What a run of the plan CLI with arguments of a test's own printed. */
export interface CliRun {
    status: number;
    stdout: string;
    stderr: string;
}

/** Runs the plan CLI with these arguments (in a plan slot, like {@link runPlan}), uncached. */
export function runCli(args: string[]): Promise<CliRun> {
    return withPlanSlot(
        false,
        () =>
            new Promise<CliRun>((resolve) => {
                execFile(process.execPath, [PLAN_CLI, ...args], { cwd: PROJECT_DIR, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
                    resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
                });
            }),
    );
}

/**
 * Mocha's root hooks (`.mocharc.json` requires this file): before the first test of a run over several
 * files (`npm test`), every shipped stack's plan starts, two at a time, so the test files share one plan
 * per stack and none waits in a hook of its own for a plan it could have had earlier. Tests await the
 * plans themselves. A run of one file plans only what that file asks for.
 */
export const mochaHooks = {
    beforeAll(this: Mocha.Context): void {
        const files = new Set(this.test?.parent?.suites.map((suite) => suite.file));
        if (files.size > 1) for (const stack of STACKS) void runPlan(stack);
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
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-stack-"));
    const file = path.join(dir, `Pulumi.${baseStack}.yaml`);
    fs.writeFileSync(file, stringify(doc));
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
