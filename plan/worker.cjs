// Entry point of the test suite's plan worker (plan/worker.ts), prepared as plan/bin.cjs prepares the CLI.
"use strict";
const os = require("node:os");
const path = require("node:path");

require("node:module").enableCompileCache?.(path.join(os.tmpdir(), "workbench-plan-compile-cache"));
require("tsx/cjs");
process.setSourceMapsEnabled(false);
require("./worker.ts");
