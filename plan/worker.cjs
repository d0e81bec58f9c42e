// Entry point of the test suite's plan worker (plan/worker.ts), prepared as the plan CLI is (plan/typescript-entry.cjs).
"use strict";
require("./typescript-entry.cjs").prepareTypeScript();
require("./worker.ts");
