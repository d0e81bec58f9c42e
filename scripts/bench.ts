/*
 * Prints the project's speed figures (not a timed test): wall time and peak memory of planning
 * each stack offline, the typecheck on its own, and `npm test`.
 * Usage: npm run bench [-- --runs 3] [-- --skip-tests]
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { PLAN_CLI, PROJECT_DIR, STACKS } from "../test/harness";

const options = new Command()
    .option("--runs <n>", "plans per stack", "3")
    .option("--skip-tests", "do not time npm test")
    .parse()
    .opts<{ runs: string; skipTests?: boolean }>();

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
];
console.log(`Planning (${options.runs} runs per stack; budget: 3 s wall, 400 MB peak RSS)`);
for (const { stack, stackFile } of plannable) {
    const walls: number[] = [];
    const peaks: number[] = [];
    for (let run = 0; run < Number(options.runs); run++) {
        const args = [PLAN_CLI, "--stack", stack, "--json", "--stats", ...(stackFile ? ["--stack-file", stackFile] : [])];
        const { seconds, status, stderr } = timed(process.execPath, args);
        if (status !== 0) throw new Error(`plan of ${stack} failed:\n${stderr}`);
        walls.push(seconds);
        peaks.push(Number(/(\d+) MiB peak RSS/.exec(stderr)?.[1] ?? NaN));
    }
    console.log(`  ${stack.padEnd(12)} ${median(walls).toFixed(2)} s wall (median), ${Math.max(...peaks)} MiB peak RSS (max)`);
}

const typecheck = timed(process.execPath, [path.join("node_modules", "typescript-7", "bin", "tsc"), "-p", ".", "--noEmit"]);
console.log(`Typecheck: ${typecheck.seconds.toFixed(2)} s with TypeScript 7's native compiler (${typecheck.status === 0 ? "passed" : "FAILED"})`);

if (!options.skipTests) {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    // the wall time depends on what else runs: the load average says how busy the cores were
    const [loadBefore] = os.loadavg();
    const tests = timed(npm, ["test", "--silent"]);
    const [loadAfter] = os.loadavg();
    console.log(
        `npm test: ${tests.seconds.toFixed(1)} s (${tests.status === 0 ? "passed" : "FAILED"}; budget 90 s on a busy ${os.availableParallelism()}-core machine; ` +
            `load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after)`,
    );
}
