// Entry point of `npm run init`, prepared as plan/bin.cjs prepares the plan's: V8's compile cache and tsx's
// CommonJS hook only (the wizard checks each answer with the program's own checks, which load the Pulumi SDK;
// through Node's ESM loader that took seconds before the first question).
"use strict";
const os = require("node:os");
const path = require("node:path");

require("node:module").enableCompileCache?.(path.join(os.tmpdir(), "workbench-plan-compile-cache"));
require("tsx/cjs");
process.setSourceMapsEnabled(false);
require("./init.ts");
