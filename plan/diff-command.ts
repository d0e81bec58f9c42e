import * as fs from "node:fs";
import * as path from "node:path";
import { diffPlans, PlanDiff } from "./diff";
import { renderDiffMarkdown, renderPlanFailures } from "./diff-markdown";
import { planStack } from "./run";
import { Plan } from "./types";
import { planInProcess, PlanOutcome, stackFileExists, withRefCheckout } from "./worktree";

/** What `npm run plan -- --stack <name> --diff <ref>` compares. */
export interface DiffOptions {
    /** Folder holding Pulumi.yaml and index.ts (the working tree's side). */
    projectDir: string;
    stack: string;
    /** Git ref of the other side (a branch, tag or commit), planned in a temporary worktree. */
    ref: string;
    /** The working tree's stack configuration from this file instead of `Pulumi.<stack>.yaml`. */
    stackFile?: string;
    /** Print the diff as JSON instead of Markdown. */
    json?: boolean;
}

/** The command's result: what to print and the exit status. */
export interface DiffResult {
    output: string;
    /** 0 unless this change's own plan failed. */
    status: number;
    diff?: PlanDiff;
}

/** The plan CLI of this checkout: plans a ref whose commit has no harness of its own. */
const THIS_CLI = path.join(__dirname, "bin.cjs");
/** The project this CLI belongs to: its program is this process's own to plan. */
const THIS_PROJECT = path.resolve(__dirname, "..");

/**
 * The working tree's side. This CLI's own project is planned in this process (which plans nothing else: the Pulumi
 * runtime plans once per process), sparing a process's start; another folder by that folder's own plan CLI.
 */
async function planChange(projectDir: string, stack: string, stackFile: string | undefined): Promise<PlanOutcome> {
    if (fs.realpathSync(projectDir) !== fs.realpathSync(THIS_PROJECT)) return planInProcess(projectDir, stack, THIS_CLI, stackFile);
    if (!stackFileExists(projectDir, stack, stackFile)) return { kind: "missing" };
    try {
        return { kind: "plan", plan: await planStack({ projectDir, stack, stackFile }) };
    } catch (error) {
        return { kind: "failed", message: error instanceof Error ? error.message : String(error) };
    }
}

/** Plans the working tree and `ref` (both offline, at the same time: the ref in a process of its own) and compares them. */
export async function runDiff(options: DiffOptions): Promise<DiffResult> {
    const projectDir = path.resolve(options.projectDir);
    const stackFile = options.stackFile ? path.resolve(options.stackFile) : undefined;
    const [base, change] = await Promise.all([
        withRefCheckout(projectDir, options.ref, (checkout) => planInProcess(checkout.projectDir, options.stack, THIS_CLI)).catch(
            (error: unknown): PlanOutcome => ({ kind: "failed", message: error instanceof Error ? error.message : String(error) }),
        ),
        planChange(projectDir, options.stack, stackFile),
    ]);
    return reportDiff(options.stack, options.ref, base, change, options.json);
}

/** The report of two plan outcomes of one stack: the diff, or which side failed (only the change's own failure fails). */
export function reportDiff(stack: string, ref: string, base: PlanOutcome, change: PlanOutcome, json?: boolean): DiffResult {
    if (change.kind === "failed" || base.kind === "failed") {
        const failures = [
            ...(change.kind === "failed" ? [{ side: "change" as const, message: change.message }] : []),
            ...(base.kind === "failed" ? [{ side: "base" as const, message: base.message }] : []),
        ];
        const output = json
            ? JSON.stringify({ stack: stack, base: ref, failures }, null, 2)
            : renderPlanFailures(stack, failures, ref);
        // the base failing is not this change's fault: report it, and fail only for this change's own plan
        return { output, status: change.kind === "failed" ? 1 : 0 };
    }
    if (change.kind === "missing" && base.kind === "missing") {
        return { output: `error: Pulumi.${stack}.yaml exists neither in the working tree nor at ${ref}`, status: 1 };
    }
    const diff = diffPlans(stack, base.kind === "plan" ? base.plan : undefined, change.kind === "plan" ? change.plan : undefined);
    const output = json ? JSON.stringify({ base: ref, ...diff }, null, 2) : renderDiffMarkdown(diff, { base: ref });
    return { output, status: 0, diff };
}

/** A plan document `npm run plan -- --json --out <file>` wrote, as an outcome: a plan, a failure, or no file (no stack file on that side). */
export function outcomeOfFile(file: string): PlanOutcome {
    if (!fs.existsSync(file)) return { kind: "missing" };
    let document: (Plan & { error?: string }) | undefined;
    try {
        document = JSON.parse(fs.readFileSync(file, "utf8")) as Plan & { error?: string };
    } catch (error) {
        return { kind: "failed", message: `${file} holds no plan document: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (typeof document.error === "string") return { kind: "failed", message: document.error };
    if (!Array.isArray(document.resources)) return { kind: "failed", message: `${file} holds no plan document` };
    return { kind: "plan", plan: document };
}

/**
 * Compares two plan documents already written (`--compare <base.json> <change.json>`). A pull request's workflow
 * plans each side with its own commit's harness, then compares with the base commit's tooling, so the change
 * cannot rewrite the code that reports on it (its own plan document is still the output of its own code: the
 * comment is advisory).
 */
export function compareFiles(stack: string, label: string, baseFile: string, changeFile: string, json?: boolean): DiffResult {
    const base = outcomeOfFile(baseFile);
    const change = outcomeOfFile(changeFile);
    if (base.kind === "missing" && change.kind === "missing") return { output: `error: neither ${baseFile} nor ${changeFile} exists`, status: 1 };
    return reportDiff(stack, label, base, change, json);
}
