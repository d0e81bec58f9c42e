import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { PROJECT_DIR, SHIPPED_STACKS } from "../plan/paths";
import type { Plan, PlannedResource } from "../plan/types";
import { CliRun, PlanPool, Planner, PlanRun, Urgency } from "./plan-pool";
import { RemotePlanner } from "./plan-pool-client";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { putPythonFirst } = require("./python-path.cjs") as { putPythonFirst: (env: NodeJS.ProcessEnv) => void };

// the interpreter python3 resolves to, first on this process's PATH (and its children's), unless npm test did it
putPythonFirst(process.env);

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

export type { CliRun, PlanFailure, PlanRun } from "./plan-pool";

/**
 * Where this process's plans are made: the run's plan pool under `npm test` (its process names the socket,
 * WORKBENCH_PLAN_POOL), so that mocha's workers share plans and plan workers; a pool of this process's own otherwise
 * (a file run alone). Under `mocha --parallel` without the run's pool, each of mocha's processes (one per core)
 * plans one stack at a time: the other cores run the other processes' tests.
 */
const planner: Planner = process.env["WORKBENCH_PLAN_POOL"]
    ? new RemotePlanner(process.env["WORKBENCH_PLAN_POOL"])
    : new PlanPool(process.env["MOCHA_WORKER_ID"] !== undefined ? 1 : Math.max(1, os.availableParallelism()), tempDir("plans-"));

type PlanRunOptions = { stackFile?: string; loadedPackages?: boolean; preview?: boolean };

function planRun(stack: string, options: PlanRunOptions, urgency: Urgency): Promise<PlanRun> {
    return planner.plan({ projectDir: PROJECT_DIR, stack, stackFile: options.stackFile, preview: options.preview, loadedPackages: options.loadedPackages }, urgency);
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
 * Plans each stack of another commit's checkout (`projectDir`) for its engine URNs, each on its cloud's plan worker
 * (this commit's planner, the checkout's program: past the config check its Pulumi.yaml may predate, without today's
 * policy verdict).
 */
export function planCommit(projectDir: string, stacks: readonly string[]): Promise<PlanRun[]> {
    return planner.commit(projectDir, stacks);
}

/**
 * Runs the plan CLI with these arguments (`npm run plan -- <args>`), uncached, in a plan worker: the CLI's own
 * code (plan/cli.ts runPlanCli) with its output captured, without a process's start-up per run. What only a
 * process of its own shows (the entry point) is tested through {@link PLAN_CLI} itself.
 */
export function runCli(args: string[]): Promise<CliRun> {
    return planner.cli(args);
}

/**
 * Mocha's root hooks (`.mocharc.cjs` requires this file): before the first test of a run over several files, every
 * shipped stack's plan is queued (the existing cluster's first, which loads no cloud SDK), behind what a test
 * awaits, so the test files share one plan per stack. Under --parallel each of mocha's processes runs one file at a
 * time and queues them as its first file starts (the run's pool plans each once). A run of one file plans only
 * what that file asks for.
 */
let firstFile = true;
export const mochaHooks = {
    beforeAll(this: Mocha.Context): void {
        const files = new Set(this.test?.parent?.suites.map((suite) => suite.file));
        const parallel = process.env["MOCHA_WORKER_ID"] !== undefined;
        if ((files.size > 1 || parallel) && firstFile) {
            const localFirst = [...STACKS].sort((a, b) => Number(b === "local") - Number(a === "local"));
            for (const stack of localFirst) void planRun(stack, {}, Urgency.Shipped);
        }
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

/** The script an `npm run <script>` entry runs with node (package.json), as a path: what a test runs as a user's command does. */
export function npmScriptEntry(script: string): string {
    const scripts = (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    return path.join(PROJECT_DIR, scripts[script]!.replace(/^node /, ""));
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
