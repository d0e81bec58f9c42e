/*
 * Prints the project's speed figures (not a timed test): wall time and peak memory of planning
 * each stack offline, the typecheck on its own, and `npm test`; exits non-zero when a figure is over
 * its budget (or a step fails), naming each one.
 * Usage: npm run bench [-- --runs 3] [-- --skip-tests] [-- --skip-typecheck] [-- --only <stack>] [-- --busy]
 *   --busy keeps one core busy while `npm test` runs: the budget's condition (a 2-core machine with
 *   another core taken), reproduced rather than left to whatever else runs.
 */
import { spawn, spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { BUDGETS, overBudget } from "./budgets";
import { PLAN_CLI, PROJECT_DIR, SHIPPED_STACKS as STACKS } from "../plan/paths";

const options = new Command()
    .option("--runs <n>", "plans per stack", "3")
    .option("--skip-tests", "do not time npm test")
    .option("--skip-typecheck", "do not time the typecheck")
    .option("--only <stack>", "plan this stack only")
    .option("--plan-seconds <s>", "the plan budget, seconds (to check the verdict itself)", String(BUDGETS.planSeconds))
    .option("--busy", "keep one core busy while npm test runs")
    .parse()
    .opts<{ runs: string; skipTests?: boolean; skipTypecheck?: boolean; only?: string; planSeconds: string; busy?: boolean }>();

/** What went over budget or failed: the exit status says so. */
const failures: string[] = [];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timed(command: string, args: string[]): { seconds: number; status: number | null; stderr: string } {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, status: result.status, stderr: result.stderr };
}

/** The shipped stacks, and the test stack with every data service on (its own speed budget, issue 9). */
const plannable: { stack: string; stackFile?: string }[] = [
    ...STACKS.map((stack) => ({ stack })),
    { stack: "all-services", stackFile: path.join("test", "stacks", "Pulumi.all-services.yaml") },
].filter(({ stack }) => options.only === undefined || stack === options.only);
const planBudget = { ...BUDGETS, planSeconds: Number(options.planSeconds) };
console.log(`Planning (${options.runs} runs per stack; budget: ${planBudget.planSeconds} s wall, ${BUDGETS.planPeakMiB} MiB peak RSS)`);
for (const { stack, stackFile } of plannable) {
    const walls: number[] = [];
    const peaks: number[] = [];
    for (let run = 0; run < Number(options.runs); run++) {
        const args = [PLAN_CLI, "--stack", stack, "--json", "--stats", ...(stackFile ? ["--stack-file", stackFile] : [])];
        const { seconds, status, stderr } = timed(process.execPath, args);
        if (status !== 0) {
            failures.push(`plan of ${stack} failed: ${stderr.split("\n")[0]}`);
            break;
        }
        walls.push(seconds);
        peaks.push(Number(/(\d+) MiB peak RSS/.exec(stderr)?.[1] ?? NaN));
    }
    if (walls.length === 0) continue;
    const wall = median(walls);
    const peak = Math.max(...peaks);
    const over = overBudget({ stack, wall, peak }, planBudget);
    failures.push(...over);
    console.log(`  ${stack.padEnd(12)} ${wall.toFixed(2)} s wall (median), ${peak} MiB peak RSS (max)${over.length > 0 ? "  OVER BUDGET" : ""}`);
}

if (!options.skipTypecheck) {
    const typecheck = timed(process.execPath, [path.join("node_modules", "typescript-7", "bin", "tsc"), "-p", ".", "--noEmit"]);
    console.log(`Typecheck: ${typecheck.seconds.toFixed(2)} s with TypeScript 7's native compiler (${typecheck.status === 0 ? "passed" : "FAILED"})`);
    if (typecheck.status !== 0) failures.push("typecheck failed");
}

if (!options.skipTests) {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    // the wall time depends on what else runs: the load average says how busy the cores were
    const busy = options.busy ? spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }) : undefined;
    const [loadBefore] = os.loadavg();
    const tests = timed(npm, ["test", "--silent"]);
    const [loadAfter] = os.loadavg();
    busy?.kill();
    const over = tests.seconds > BUDGETS.testSeconds;
    console.log(
        `npm test: ${tests.seconds.toFixed(1)} s (${tests.status === 0 ? "passed" : "FAILED"}; budget ${BUDGETS.testSeconds} s on a busy ${os.availableParallelism()}-core machine` +
            `${options.busy ? ", one core kept busy by the bench" : ""}; load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after)${over ? "  OVER BUDGET" : ""}`,
    );
    if (tests.status !== 0) failures.push("npm test failed");
    if (over) failures.push(`npm test took ${tests.seconds.toFixed(1)} s, over its ${BUDGETS.testSeconds} s budget`);
}

if (failures.length > 0) {
    console.log(`\nOver budget or failed (${failures.length}):`);
    for (const failure of failures) console.log(`  - ${failure}`);
    process.exitCode = 1;
} else {
    console.log("\nEvery figure within its budget.");
}
