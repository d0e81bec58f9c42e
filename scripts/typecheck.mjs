// Type-checks the project with TypeScript 7's native compiler (the `typescript-7` alias) and
// reports how long it took. (The alias keeps it apart from the `typescript` peer range of @pulumi/pulumi.)
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const tsc = path.join(path.dirname(require.resolve("typescript-7/package.json")), "bin", "tsc");
const started = process.hrtime.bigint();
// further arguments go to the compiler (`npm test` adds --singleThreaded: beside the tests, threads only add CPU)
const result = spawnSync(process.execPath, [tsc, "-p", ".", "--noEmit", ...process.argv.slice(2)], { stdio: "inherit" });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`typecheck: ${result.status === 0 ? "passed" : "failed"} in ${seconds.toFixed(2)} s (TypeScript ${require("typescript-7/package.json").version})`);
process.exit(result.status ?? 1);
