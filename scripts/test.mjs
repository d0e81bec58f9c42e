// `npm test`: the typecheck beside every test file under mocha --parallel (.mocharc.cjs) with the summary
// reporter. Files start slowest first: a worker that picked a long file last would otherwise run on alone
// while the other cores idle. A file missing from the list below just starts later, in name order.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The slowest files, slowest first (wall time of each alone on a 2-core machine, 2026-12). */
const SLOWEST_FIRST = [
    "diff",
    "spark-connectors",
    "shared-layer",
    "hub-people",
    "policy",
    "tenancy",
    "services-fences",
    "backups",
    "services",
    "aws",
    "init",
    "first-hour",
    "plan",
    "move",
    "serving",
    "backups-scripts",
];
const rank = (file) => {
    const index = SLOWEST_FIRST.indexOf(file.replace(/\.test\.ts$/, ""));
    return index < 0 ? SLOWEST_FIRST.length : index;
};
const files = fs
    .readdirSync(path.join(root, "test"))
    .filter((file) => file.endsWith(".test.ts"))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((file) => path.join("test", file));

// The typecheck runs beside the tests rather than before them: neither needs the other, and on a busy machine the
// start of the run is otherwise one process on one core. Its output waits until the tests' summary is printed,
// so the two do not interleave; either failing fails the run.
const typecheck = new Promise((resolve) => {
    // one thread: it finishes well before the tests, and on two busy cores more threads only cost more CPU
    const child = spawn(process.execPath, [path.join(root, "scripts", "typecheck.mjs"), "--singleThreaded"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (status) => resolve({ status: status ?? 1, output }));
});
const mocha = path.join(root, "node_modules", "mocha", "bin", "mocha.js");
// V8's code cache for every Node process of the run (mocha's workers load the cloud SDKs too), where the plan's own
// processes keep theirs
const require = createRequire(import.meta.url);
const { COMPILE_CACHE: compileCache } = require("../plan/typescript-entry.cjs");
// python3's interpreter first on every process's PATH, resolved once for the run (test/python-path.cjs)
const runEnv = { NODE_COMPILE_CACHE: compileCache, ...process.env };
require("../test/python-path.cjs").putPythonFirst(runEnv);
// the run's plan pool (test/plan-pool-server.ts): one queue and one set of plan workers for all of mocha's
// workers, at a socket they are told of, stopped when this process ends (its stdin closes)
const socket = process.platform === "win32" ? `\\\\.\\pipe\\workbench-plans-${process.pid}` : path.join(os.tmpdir(), `workbench-plans-${process.pid}.sock`);
const pool = spawn(process.execPath, ["--require", "tsx/cjs", path.join(root, "test", "plan-pool-server.ts"), socket], {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
    env: runEnv,
});
await new Promise((resolve, reject) => {
    pool.stdout.once("data", resolve);
    pool.once("exit", (code) => reject(new Error(`the plan pool exited before it listened (${code})`)));
});
const tests = new Promise((resolve) => {
    const child = spawn(process.execPath, [mocha, "--parallel", "--reporter", "./scripts/test-reporter.cjs", ...files], {
        cwd: root,
        stdio: "inherit",
        env: { ...runEnv, WORKBENCH_PLAN_POOL: socket },
    });
    child.on("close", (status) => resolve(status ?? 1));
});
const [checked, tested] = await Promise.all([typecheck, tests]);
pool.stdin.end();
process.stdout.write(`\n${checked.output}`);
process.exit(checked.status !== 0 ? checked.status : tested);
