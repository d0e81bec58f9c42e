// Entry point of the test suite's plan worker (plan/worker.ts), prepared as plan/bin.cjs prepares the CLI.
"use strict";
const os = require("node:os");
const path = require("node:path");

// the test suite gives its processes a temporary folder of their own, and keeps the cache outside it
require("node:module").enableCompileCache?.(process.env.WORKBENCH_COMPILE_CACHE || path.join(os.tmpdir(), "workbench-plan-compile-cache"));
require("tsx/cjs");
process.setSourceMapsEnabled(false);
require("./worker.ts");
