// Builds the CrossGuard pack (policy/*.ts) to JavaScript in policy/bin/ with the project's TypeScript 7, so
// `pulumi preview --policy-pack policy` loads plain JavaScript: the policy runtime ignores PulumiPolicy.yaml's
// `typescript`/`nodeargs` options and would compile TypeScript with the SDK's vendored TypeScript 3.8.
// The output is not committed (bin/ is ignored): CI builds it before each preview and deploy, and the tests
// build it before loading it the way the CLI does. Usage: npm run build:policy
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const tsc = path.join(path.dirname(require.resolve("typescript-7/package.json")), "bin", "tsc");
fs.rmSync(path.join(here, "bin"), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, "-p", path.join(here, "tsconfig.build.json")], { stdio: "inherit" });
if (result.status === 0) console.log(`built the policy pack: ${path.relative(process.cwd(), path.join(here, "bin", "index.js"))}`);
process.exit(result.status ?? 1);
