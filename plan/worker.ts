import * as fs from "node:fs";
import * as path from "node:path";
import { resetResourcesMayExist } from "../stacks/errors";
import { runPlanCli } from "./cli";
import { loadedPulumiPackages, PlanError, planStack } from "./run";

/*
 * A long-lived planner for the test suite: the parent sends one request at a time over IPC and gets the
 * same JSON document `plan --json` prints (a plan, or the error document with its problems and whatever
 * registered). Loading the Pulumi SDK and the program once per worker instead of once per plan halves the
 * suite's planning time; each plan still runs the real program on a fresh mock runtime. Each answer says which
 * @pulumi packages the process has loaded so far; test/plan-pool.ts knows when that is what one plan loaded.
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
    /** Where to write the JSON document the CLI would print (the answer names the file rather than carrying it). */
    documentFile: string;
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
    /** The @pulumi packages this process has loaded so far (`loadedPulumiPackages`). */
    loaded?: string[];
}

/** Its outcome, as the CLI would report it. */
export interface WorkerResponse {
    id: number;
    /** The CLI's exit status. */
    status: number;
    /** What the CLI would print on stderr for a failure. */
    stderr: string;
    /**
     * The file holding the JSON document the CLI would print on stdout (the request's): the test pool passes its name
     * on to the test that asked, which reads it (test/plan-pool.ts), so that no process between copies it.
     */
    documentFile: string;
    /** The cloud the plan was for (the document's `cloud`), when it got that far. */
    cloud?: string;
    /**
     * The @pulumi packages this process has loaded so far (`loadedPulumiPackages`): what the plan loaded, where the
     * process had loaded nothing the plan would not (the test pool's concern, test/plan-pool.ts).
     */
    loaded?: string[];
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
            const response: WorkerCliResponse = { id: request.id, status, stdout, stderr, loaded: loadedPulumiPackages() };
            process.send?.(response);
            return;
        }
        let response: WorkerResponse;
        const answer = (status: number, stderr: string, document: object, cloud?: string): WorkerResponse => {
            fs.writeFileSync(request.documentFile, JSON.stringify(document));
            return { id: request.id, status, stderr, documentFile: request.documentFile, cloud };
        };
        try {
            const plan = await planStack({
                projectDir: request.projectDir,
                stack: request.stack,
                stackFile: request.stackFile,
                preview: request.preview,
                skipConfigValidation: request.skipConfigValidation,
                policyVerdict: request.policyVerdict,
            });
            response = answer(0, "", plan, plan.cloud);
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            const failure = error instanceof PlanError ? error : undefined;
            response = answer(1, `error: ${message}\n`, { stack: request.stack, error: message, problems: failure?.problems ?? [], resources: failure?.resources ?? [] });
        }
        if (request.forgetProgram) forgetModulesUnder(request.projectDir);
        process.send?.({ ...response, loaded: loadedPulumiPackages() });
    });
});
