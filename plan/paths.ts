import * as fs from "node:fs";
import * as path from "node:path";

/** The project's root folder. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The plan CLI's entry point, as `npm run plan` starts it. */
export const PLAN_CLI = path.join(PROJECT_DIR, "plan", "bin.cjs");

/** Every stack file the project ships (`Pulumi.<stack>.yaml` beside Pulumi.yaml), by stack name. */
export const SHIPPED_STACKS: readonly string[] = fs
    .readdirSync(PROJECT_DIR)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
