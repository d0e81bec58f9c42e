// Entry point of `npm run bench`, prepared as the plan CLI is (plan/typescript-entry.cjs).
"use strict";
require("../plan/typescript-entry.cjs").prepareTypeScript();
require("./bench.ts");
