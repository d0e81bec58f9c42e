/**
 * Which stacks a workflow runs a cloud preview (or deployment) for: every `Pulumi.<stack>.yaml` whose cloud has
 * its keyless login configured in the repository's variables, and a Pulumi backend to keep state in.
 * Stacks whose cloud is not configured are skipped with the variables to set, so a fork or a fresh clone
 * gets green checks and the offline plan diff instead of failing logins.
 *
 * Runs with Node's own type stripping (`node ci/stack-matrix.ts preview`, Node >= 22.18), before `npm ci`:
 * it imports nothing but Node's built-ins. Writes `matrix` and `count` to $GITHUB_OUTPUT.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Preview on pull requests (read-only identities) or deploy on main (deploying identities). */
export type Mode = "preview" | "deploy";

/** One row of the job matrix. */
export interface StackRow {
    stack: string;
    cloud: string;
    /** `aws:region` of the stack (configure-aws-credentials needs one); empty elsewhere. */
    region: string;
}

/** A stack left out, and why. */
export interface SkippedStack {
    stack: string;
    reason: string;
}

/** The repository variables each cloud's login needs, per mode. */
export function requiredVariables(cloud: string, mode: Mode): string[] | undefined {
    const role = mode === "preview" ? "PREVIEW" : "DEPLOY";
    switch (cloud) {
        case "aws":
            return [`AWS_${role}_ROLE_ARN`];
        case "gcp":
            return ["GCP_WORKLOAD_IDENTITY_PROVIDER", `GCP_${role}_SERVICE_ACCOUNT`];
        case "azure":
            return [`AZURE_${role}_CLIENT_ID`, "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID"];
        default:
            return undefined;
    }
}

/**
 * What the backend variable still needs, or undefined when it will do. Only the `production` environment holds
 * the Pulumi credentials (a token, or a passphrase for a self-managed backend); previews get a Pulumi Cloud token
 * with read access (Pulumi Cloud's "Stack Read" permission set allows previews) and never the passphrase, so a
 * stack on a passphrase backend is previewed by the offline diff only.
 */
export function backendProblem(mode: Mode, backendUrl: string | undefined): string | undefined {
    if (!backendUrl) return "PULUMI_BACKEND_URL (variable: https://api.pulumi.com for Pulumi Cloud, or a state bucket such as s3://…)";
    if (mode === "preview" && !backendUrl.startsWith("https://")) {
        return `a Pulumi Cloud backend for previews (PULUMI_BACKEND_URL is ${backendUrl}: previews get no passphrase, the offline diff covers this stack)`;
    }
    return undefined;
}

/** A top-level key's scalar value in a stack file's `config:` block (enough for `workbench:cloud` and `aws:region`). */
export function configValue(yaml: string, key: string): string | undefined {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const match = new RegExp(`^[ \\t]+${escaped}:[ \\t]*["']?([A-Za-z0-9._-]+)["']?[ \\t]*(#.*)?$`, "m").exec(yaml);
    return match?.[1];
}

/** The default of `workbench:cloud` that Pulumi.yaml declares (`config.cloud.default`). */
export function defaultCloud(projectYaml: string): string {
    const block = /^ {2}cloud:\s*\n((?: {4}.*\n?)*)/m.exec(projectYaml)?.[1] ?? "";
    return /^ {4}default:\s*["']?([a-z]+)/m.exec(block)?.[1] ?? "existing";
}

/** Splits the project's stacks into those to run and those to skip, from the files and the set variables. */
export function stackMatrix(projectDir: string, mode: Mode, env: Readonly<Record<string, string | undefined>>): { rows: StackRow[]; skipped: SkippedStack[] } {
    const fallback = defaultCloud(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    const rows: StackRow[] = [];
    const skipped: SkippedStack[] = [];
    const stacks = fs
        .readdirSync(projectDir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
    for (const stack of stacks) {
        const yaml = fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8");
        const cloud = configValue(yaml, "workbench:cloud") ?? fallback;
        const needed = requiredVariables(cloud, mode);
        if (!needed) {
            skipped.push({ stack, reason: `cloud ${cloud}: no keyless cloud login to run it with here (the offline plan diff covers it)` });
            continue;
        }
        const missing = needed.filter((name) => !env[name]);
        const backend = backendProblem(mode, env["PULUMI_BACKEND_URL"]);
        if (backend) missing.push(backend);
        if (missing.length > 0) {
            skipped.push({ stack, reason: `set ${missing.join(", ")}` });
            continue;
        }
        rows.push({ stack, cloud, region: configValue(yaml, "aws:region") ?? "" });
    }
    return { rows, skipped };
}

function main(): void {
    const mode = process.argv[2];
    if (mode !== "preview" && mode !== "deploy") throw new Error("usage: node ci/stack-matrix.ts preview|deploy");
    const { rows, skipped } = stackMatrix(process.cwd(), mode, process.env);
    const lines = [`matrix=${JSON.stringify({ include: rows })}`, `count=${rows.length}`];
    if (process.env["GITHUB_OUTPUT"]) fs.appendFileSync(process.env["GITHUB_OUTPUT"], `${lines.join("\n")}\n`);
    const report = [
        `### Cloud ${mode}: ${rows.length} stack${rows.length === 1 ? "" : "s"}`,
        ...rows.map((r) => `- \`${r.stack}\` (${r.cloud})`),
        ...skipped.map((s) => `- \`${s.stack}\` skipped: ${s.reason}`),
    ].join("\n");
    if (process.env["GITHUB_STEP_SUMMARY"]) fs.appendFileSync(process.env["GITHUB_STEP_SUMMARY"], `${report}\n`);
    process.stdout.write(`${lines.join("\n")}\n${report}\n`);
}

if (process.argv[1]?.endsWith(`${path.sep}stack-matrix.ts`)) main();
