import * as path from "node:path";

/** The project's root folder (Pulumi.yaml, the shipped stack files). */
export const PROJECT_DIR = path.resolve(__dirname, "..");
