// `npm test`: the typecheck, then every test file under mocha --parallel (.mocharc.cjs) with the summary
// reporter. Files start slowest first: a worker that picked a long file last would otherwise run on alone
// while the other cores idle. A file missing from the list below just starts later, in name order.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
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

const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: "inherit" }).status ?? 1;
const typecheck = run(process.execPath, [path.join(root, "scripts", "typecheck.mjs")]);
if (typecheck !== 0) process.exit(typecheck);
const mocha = path.join(root, "node_modules", "mocha", "bin", "mocha.js");
process.exit(run(process.execPath, [mocha, "--parallel", "--reporter", "./scripts/test-reporter.cjs", ...files]));
