import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Plan } from "./types";

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string> {
    try {
        const { stdout } = await run("git", args, { cwd, maxBuffer: 16 * 1024 * 1024 });
        return stdout.trim();
    } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new Error(`git ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`);
    }
}

/** A git ref checked out in a temporary worktree. */
export interface RefCheckout {
    /** The commit the ref names. */
    commit: string;
    /** The project folder inside the temporary worktree (the same place relative to the repository root). */
    projectDir: string;
}

/**
 * Checks `ref` out in a temporary `git worktree` beside nothing the user owns, links the project's
 * `node_modules` into it (so nothing is installed again), runs `work`, then removes the worktree.
 */
export async function withRefCheckout<T>(projectDir: string, ref: string, work: (checkout: RefCheckout) => Promise<T>): Promise<T> {
    const project = path.resolve(projectDir);
    const top = await git(project, "rev-parse", "--show-toplevel");
    const commit = await git(project, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`).catch(() => {
        throw new Error(`${ref} names no commit in this repository (a shallow CI checkout needs fetch-depth: 0 or a fetch of the base branch)`);
    });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-diff-"));
    const tree = path.join(tmp, "tree");
    await git(top, "worktree", "add", "--detach", "--quiet", tree, commit);
    try {
        const refProject = path.join(tree, path.relative(fs.realpathSync(top), fs.realpathSync(project)));
        const modules = path.join(refProject, "node_modules");
        if (!fs.existsSync(modules)) fs.symlinkSync(path.join(project, "node_modules"), modules, "dir");
        return await work({ commit, projectDir: refProject });
    } finally {
        await git(top, "worktree", "remove", "--force", tree).catch(() => git(top, "worktree", "prune"));
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** One offline plan of a stack, run in its own process (the Pulumi runtime plans once per process). */
export type PlanOutcome = { kind: "plan"; plan: Plan } | { kind: "missing" } | { kind: "failed"; message: string };

/**
 * Plans `stack` in `projectDir` with that folder's own plan CLI (the harness of the same commit as the
 * program), falling back to `fallbackCli` for a commit that predates it. A stack file that does not exist
 * is `missing`, not a failure: the stack is new, or gone, on that side.
 */
export async function planInProcess(projectDir: string, stack: string, fallbackCli: string, stackFile?: string): Promise<PlanOutcome> {
    const file = stackFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) return { kind: "missing" };
    const ownCli = path.join(projectDir, "plan", "bin.cjs");
    const cli = fs.existsSync(ownCli) ? ownCli : fallbackCli;
    const args = [cli, "--stack", stack, "--json", "--project-dir", projectDir];
    if (stackFile) args.push("--stack-file", stackFile);
    const { status, stdout, stderr } = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, args, { cwd: projectDir, maxBuffer: 256 * 1024 * 1024 }, (error, out, err) => {
            resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout: out, stderr: err });
        });
    });
    let document: (Plan & { error?: string }) | undefined;
    try {
        document = JSON.parse(stdout) as Plan & { error?: string };
    } catch {
        document = undefined;
    }
    if (status === 0 && document && Array.isArray(document.resources)) return { kind: "plan", plan: document };
    const message = document?.error ?? (stderr.trim() || `the plan exited with status ${status}`);
    return { kind: "failed", message };
}
