// Loaded by each mocha process before the harness (.mocharc.cjs): the Pulumi SDK's TypeScript compiler only when a
// test serializes a function, as in the plan's own processes (plan/typescript-entry.cjs).
"use strict";
require("../plan/typescript-entry.cjs").deferPulumiTypeScript();
