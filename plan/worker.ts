import * as fs from "node:fs";
import * as path from "node:path";
import { resetResourcesMayExist } from "../stacks/errors";
import { runPlanCli } from "./cli";
import { loadedPulumiPackages, PlanError, planStack } from "./run";

/*
 * A long-lived planner for the test suite: the parent sends one request at a time over IPC and gets the
 * same JSON document `plan --json` prints (a plan, or the error document with its problems and whatever
 * registered). Loading the Pulumi SDK and the program once per worker instead of once per plan halves the
 * suite's planning time; each plan still runs the real program on a fresh mock runtime. Plans that must be
 * alone in their process (which SDKs a stack loads) keep going through the CLI.
 */

/** One plan to run. */
export interface WorkerRequest {
    id: number;
    projectDir: string;
    stack: string;
    stackFile?: string;
    /** Plan as a first preview (`--preview`). */
    preview?: boolean;
    /** Past the CLI's config check (`--skip-config-validation`): another commit's program, whose Pulumi.yaml may predate today's keys. */
    skipConfigValidation?: boolean;
    /** False: without the mandatory policies' verdict (`--no-policy-verdict`), for another commit's program planned for its URNs. */
    policyVerdict?: boolean;
    /** Add the @pulumi packages this process has loaded (`--loaded-packages`): true of the plan only as a worker's first. */
    loadedPackages?: boolean;
    /**
     * Another commit's checkout: forget its modules after the plan, so that a later checkout at the same (reused)
     * folder is not planned with this one's program.
     */
    forgetProgram?: boolean;
}

/** A run of the plan CLI with these arguments (as `npm run plan -- …` gets them), in this process. */
export interface WorkerCliRequest {
    id: number;
    cli: string[];
}

/** What that run printed, and its exit status. */
export interface WorkerCliResponse {
    id: number;
    status: number;
    stdout: string;
    stderr: string;
}

/** Its outcome, as the CLI would report it. */
export interface WorkerResponse {
    id: number;
    /** The CLI's exit status. */
    status: number;
    /** What the CLI would print on stderr for a failure. */
    stderr: string;
    /** The JSON document the CLI would print on stdout. */
    document: unknown;
    /** CPU time this worker has used so far, milliseconds (for the suite's speed figures). */
    cpuMs?: number;
}

// a failed input rejects every output built on it; the plan reports the failure once (as the CLI does)
process.on("unhandledRejection", () => undefined);
// stdout is not the channel here: anything a library logs goes to stderr
console.log = console.error;
console.info = console.error;

/** Drops every module loaded from under `dir` (not the packages it links to, which resolve elsewhere) from the require cache. */
function forgetModulesUnder(dir: string): void {
    const root = `${fs.realpathSync(dir)}${path.sep}`;
    for (const file of Object.keys(require.cache)) if (file.startsWith(root)) delete require.cache[file];
}

let queue: Promise<void> = Promise.resolve();

process.on("message", (request: WorkerRequest | WorkerCliRequest) => {
    queue = queue.then(async () => {
        resetResourcesMayExist();
        if ("cli" in request) {
            let stdout = "";
            let stderr = "";
            const status = await runPlanCli(request.cli, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) }).catch((error: unknown) => {
                stderr += `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
                return 1;
            });
            const response: WorkerCliResponse = { id: request.id, status, stdout, stderr };
            process.send?.(response);
            return;
        }
        let response: WorkerResponse;
        try {
            const plan = await planStack({
                projectDir: request.projectDir,
                stack: request.stack,
                stackFile: request.stackFile,
                preview: request.preview,
                skipConfigValidation: request.skipConfigValidation,
                policyVerdict: request.policyVerdict,
            });
            response = { id: request.id, status: 0, stderr: "", document: request.loadedPackages ? { ...plan, loadedPackages: loadedPulumiPackages() } : plan };
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            const failure = error instanceof PlanError ? error : undefined;
            response = {
                id: request.id,
                status: 1,
                stderr: `error: ${message}\n`,
                document: { stack: request.stack, error: message, problems: failure?.problems ?? [], resources: failure?.resources ?? [] },
            };
        }
        if (request.forgetProgram) forgetModulesUnder(request.projectDir);
        const cpu = process.cpuUsage();
        process.send?.({ ...response, cpuMs: (cpu.user + cpu.system) / 1000 });
    });
});
