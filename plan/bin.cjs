// Entry point of `npm run plan`. It prepares Node before the TypeScript CLI loads:
// - V8's compile cache: the Pulumi SDK pulls in 9 MB of JavaScript (the TypeScript compiler among
//   it), and cached code saves about half a second a plan;
// - tsx's CommonJS hook only: the program is CommonJS, and leaving Node's ESM loader out of every
//   `require` makes planning several times faster than `--import tsx`;
// - source maps off: Pulumi captures a stack trace per resource, and mapping each through source
//   maps costs more than the plan itself; esbuild keeps line numbers close to the sources anyway.
"use strict";
const os = require("node:os");
const path = require("node:path");

require("node:module").enableCompileCache?.(path.join(os.tmpdir(), "workbench-plan-compile-cache"));
require("tsx/cjs");
process.setSourceMapsEnabled(false);
require("./cli.ts").runFromProcess();
