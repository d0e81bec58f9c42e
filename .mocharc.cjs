// Mocha's settings. `npm test` adds --parallel: test files run in one worker process per core (asking the run's
// plan pool for their plans, test/harness.ts), so one file's wait for a plan or a subprocess never leaves a core idle.
"use strict";
const os = require("node:os");

module.exports = {
    "node-option": ["require=tsx/cjs"],
    require: ["test/defer-typescript.cjs", "test/harness.ts"],
    timeout: 180000,
    slow: 5000,
    // used with --parallel only; mocha's own default (cores - 1) would run one file at a time on two cores
    jobs: Math.max(2, os.availableParallelism()),
};
