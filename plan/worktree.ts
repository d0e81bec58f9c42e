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

/** How many checkouts can run at once at the reused paths; more fall back to a new temporary folder each. */
const CHECKOUT_SLOTS = 8;
/** Where the reused checkout folders are (`<n>/tree`). */
export const CHECKOUT_SLOTS_DIR = path.join(os.tmpdir(), "workbench-diff-slots");

/** Whether a process of this id runs (on this machine). */
function running(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

/**
 * A folder for one checkout, free until `release`. The plan of a checkout runs its TypeScript through tsx, whose
 * transform cache (and V8's compile cache) is keyed by each file's path as well as its content: a new random
 * folder per checkout missed both every time (a diff side spent a third of its time compiling) and grew the
 * caches with every run. So checkouts reuse a few fixed folders, each claimed by creating it (atomic); a folder
 * whose claimant no longer runs is moved aside (atomic, so only one process takes it over) and claimed again.
 */
export function claimCheckoutFolder(slotsDir: string = CHECKOUT_SLOTS_DIR): { dir: string; release: () => void } {
    fs.mkdirSync(slotsDir, { recursive: true });
    for (let slot = 0; slot < CHECKOUT_SLOTS; slot++) {
        const dir = path.join(slotsDir, String(slot));
        for (let attempt = 0; attempt < 2; attempt++) {
            try {
                fs.mkdirSync(dir);
                fs.writeFileSync(path.join(dir, "owner"), String(process.pid));
                return { dir, release: () => fs.rmSync(dir, { recursive: true, force: true }) };
            } catch (error) {
                if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
            }
            let owner = Number.NaN;
            try {
                owner = Number(fs.readFileSync(path.join(dir, "owner"), "utf8"));
            } catch {
                // just created by another process, which has not written its id yet: taken
            }
            if (!Number.isInteger(owner) || running(owner)) break;
            const stale = `${dir}.stale-${process.pid}-${Date.now()}`;
            try {
                fs.renameSync(dir, stale);
            } catch {
                break; // another process took it over first
            }
            fs.rmSync(stale, { recursive: true, force: true });
        }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-diff-"));
    return { dir, release: () => fs.rmSync(dir, { recursive: true, force: true }) };
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
    const folder = claimCheckoutFolder();
    const tree = path.join(folder.dir, "tree");
    try {
        // --force: the path may still be registered by a run that was killed (its folder gone since); detached, it overrides nothing else
        await git(top, "worktree", "add", "--detach", "--force", "--quiet", tree, commit);
        try {
            const refProject = path.join(tree, path.relative(fs.realpathSync(top), fs.realpathSync(project)));
            const modules = path.join(refProject, "node_modules");
            if (!fs.existsSync(modules)) fs.symlinkSync(path.join(project, "node_modules"), modules, "dir");
            return await work({ commit, projectDir: refProject });
        } finally {
            await git(top, "worktree", "remove", "--force", tree).catch(() => git(top, "worktree", "prune"));
        }
    } finally {
        folder.release();
    }
}

/** Whether the stack's file exists on this side (`stackFile`, or `Pulumi.<stack>.yaml` in the project). */
export function stackFileExists(projectDir: string, stack: string, stackFile?: string): boolean {
    return fs.existsSync(stackFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`));
}

/** One offline plan of a stack, run in its own process (the Pulumi runtime plans once per process). */
export type PlanOutcome = { kind: "plan"; plan: Plan } | { kind: "missing" } | { kind: "failed"; message: string };

/**
 * Plans `stack` in `projectDir` with that folder's own plan CLI (the harness of the same commit as the
 * program), falling back to `fallbackCli` for a commit that predates it. A stack file that does not exist
 * is `missing`, not a failure: the stack is new, or gone, on that side.
 */
export async function planInProcess(projectDir: string, stack: string, fallbackCli: string, stackFile?: string): Promise<PlanOutcome> {
    if (!stackFileExists(projectDir, stack, stackFile)) return { kind: "missing" };
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
