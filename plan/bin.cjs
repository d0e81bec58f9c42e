// Entry point of `npm run plan` (plan/typescript-entry.cjs says how it loads the TypeScript CLI).
"use strict";
require("./typescript-entry.cjs").prepareTypeScript();
require("./cli.ts").runFromProcess();
