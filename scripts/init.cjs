// Entry point of `npm run init`, prepared as the plan CLI is (plan/typescript-entry.cjs): the wizard checks each
// answer with the program's own checks, which load the Pulumi SDK, and through Node's ESM loader that took seconds.
"use strict";
require("../plan/typescript-entry.cjs").prepareTypeScript();
require("./init.ts");
