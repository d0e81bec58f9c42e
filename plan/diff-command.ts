import * as path from "node:path";
import { diffPlans, PlanDiff } from "./diff";
import { renderDiffMarkdown, renderPlanFailures } from "./diff-markdown";
import { planInProcess, PlanOutcome, withRefCheckout } from "./worktree";

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

/** Plans the working tree and `ref` (both offline, each in its own process, at the same time) and compares them. */
export async function runDiff(options: DiffOptions): Promise<DiffResult> {
    const projectDir = path.resolve(options.projectDir);
    const stackFile = options.stackFile ? path.resolve(options.stackFile) : undefined;
    const [base, change] = await Promise.all([
        withRefCheckout(projectDir, options.ref, (checkout) => planInProcess(checkout.projectDir, options.stack, THIS_CLI)).catch(
            (error: unknown): PlanOutcome => ({ kind: "failed", message: error instanceof Error ? error.message : String(error) }),
        ),
        planInProcess(projectDir, options.stack, THIS_CLI, stackFile),
    ]);
    if (change.kind === "failed" || base.kind === "failed") {
        const failures = [
            ...(change.kind === "failed" ? [{ side: "change" as const, message: change.message }] : []),
            ...(base.kind === "failed" ? [{ side: "base" as const, message: base.message }] : []),
        ];
        const output = options.json
            ? JSON.stringify({ stack: options.stack, base: options.ref, failures }, null, 2)
            : renderPlanFailures(options.stack, failures, options.ref);
        // the base failing is not this change's fault: report it, and fail only for this change's own plan
        return { output, status: change.kind === "failed" ? 1 : 0 };
    }
    if (change.kind === "missing" && base.kind === "missing") {
        return { output: `error: Pulumi.${options.stack}.yaml exists neither in the working tree nor at ${options.ref}`, status: 1 };
    }
    const diff = diffPlans(options.stack, base.kind === "plan" ? base.plan : undefined, change.kind === "plan" ? change.plan : undefined);
    const output = options.json ? JSON.stringify({ base: options.ref, ...diff }, null, 2) : renderDiffMarkdown(diff, { base: options.ref });
    return { output, status: 0, diff };
}
