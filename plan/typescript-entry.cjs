// How the project's Node entry points load their TypeScript: the plan CLI (plan/bin.cjs), the test suite's plan
// workers (plan/worker.cjs), `npm run init` (scripts/init.cjs) and `npm run bench` (scripts/bench.cjs).
// - V8's compile cache: the Pulumi SDK pulls in 9 MB of JavaScript (the TypeScript compiler among
//   it), and cached code saves about half a second a plan;
// - tsx's CommonJS hook only: the program is CommonJS, and leaving Node's ESM loader out of every
//   `require` makes planning several times faster than `--import tsx`;
// - source maps off: Pulumi captures a stack trace per resource, and mapping each through source
//   maps costs more than the plan itself; esbuild keeps line numbers close to the sources anyway.
"use strict";
const os = require("node:os");
const path = require("node:path");

/** The folder of V8's compile cache, shared by every entry point (and `npm test`'s processes). */
const COMPILE_CACHE = path.join(os.tmpdir(), "workbench-plan-compile-cache");

/** Prepares this process to require the project's TypeScript. */
function prepareTypeScript() {
    require("node:module").enableCompileCache?.(COMPILE_CACHE);
    require("tsx/cjs");
    process.setSourceMapsEnabled(false);
}

module.exports = { prepareTypeScript, COMPILE_CACHE };
