import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { planViolations, renderViolations } from "./policy";
import { compareFiles, runDiff } from "./diff-command";
import { renderPlan } from "./render";
import { loadedPulumiPackages, PlanError, planStack } from "./run";

/** Where a run of the CLI writes: the process's streams, or (in the test suite's plan worker) strings. */
export interface CliOutput {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

/** The CLI's options, declared afresh for each run (CI's workflow reads them from this file). */
function command(io: CliOutput): Command {
    return new Command()
        .name("plan")
        .description("Plan a stack offline: run the real program on Pulumi's mock runtime and show what it would create.")
        .option("-s, --stack <name>", "stack to plan (reads Pulumi.<name>.yaml)")
        .option("--json", "print one JSON document on stdout and nothing else")
        .option("--out <file>", "write the plan (text, or JSON with --json) to this file instead of stdout")
        .option(
            "--stack-file <path>",
            "read the stack's configuration from this file instead of Pulumi.<stack>.yaml; the stack name is taken from a file named Pulumi.<stack>.yaml, else --stack gives it",
        )
        .option("--project-dir <dir>", "folder holding Pulumi.yaml and index.ts", process.cwd())
        .option("--loaded-packages", "with --json: add the @pulumi packages the planning process loaded")
        .option("--stats", "print the plan's wall time and peak memory on stderr")
        .option("--policy", "run the mandatory policies (policy/) on the plan; exit non-zero on a violation")
        .option("--skip-config-validation", "skip the Pulumi CLI's config validation, as pulumi preview --skip-config-validation does")
        .option("--no-policy-verdict", "plan without the mandatory policies' verdict, as pulumi preview without --policy-pack (an old commit planned for its URNs)")
        .option("--preview", "plan as a first pulumi preview sees the stack: isDryRun() true, outputs a provider computes unknown, no apply on them")
        .option("--diff <git-ref>", "compare with the plan of this git ref (planned offline in a temporary worktree) and print Markdown for a pull request")
        .option(
            "--compare <files...>",
            "compare two plan documents already written by --json --out (the base's, then the change's; a missing file is a stack file absent on that side) and print the diff; --diff <label> names the base",
        )
        // errors and help go where this run's output goes, and end the run with commander's status rather than the process
        .exitOverride()
        .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

interface Options {
    stack?: string;
    json?: boolean;
    out?: string;
    stackFile?: string;
    projectDir: string;
    loadedPackages?: boolean;
    stats?: boolean;
    policy?: boolean;
    diff?: string;
    compare?: string[];
    preview?: boolean;
    skipConfigValidation?: boolean;
    /** False with --no-policy-verdict. */
    policyVerdict: boolean;
}

/** The stack to plan: `--stack`, or the name in a `--stack-file` called `Pulumi.<stack>.yaml`. */
function stackName(options: Options): string {
    if (options.stack) return options.stack;
    const fromFile = options.stackFile ? /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(options.stackFile))?.[1] : undefined;
    if (fromFile) return fromFile;
    throw new Error(
        options.stackFile
            ? `--stack-file ${options.stackFile} is not named Pulumi.<stack>.yaml: give the stack name with --stack <name>`
            : "name the stack to plan: --stack <name> (reads Pulumi.<name>.yaml)",
    );
}

/** Writes the result where it was asked for: the --out file, or stdout. */
function emit(io: CliOutput, options: Options, text: string): void {
    if (options.out) {
        fs.writeFileSync(options.out, text);
        io.stderr(`plan written to ${options.out}\n`);
    } else {
        io.stdout(text);
    }
}

async function main(io: CliOutput, options: Options): Promise<number> {
    let stack = options.stack;
    if (options.compare !== undefined) {
        const [baseFile, changeFile] = options.compare;
        if (options.compare.length !== 2 || !baseFile || !changeFile) throw new Error("--compare takes two files: the base's plan document, then the change's");
        const result = compareFiles(stackName(options), options.diff ?? "base", baseFile, changeFile, options.json);
        emit(io, options, `${result.output}\n`);
        return result.status;
    }
    if (options.diff !== undefined) {
        const ref = options.diff;
        const result = await Promise.resolve()
            .then(() => runDiff({ projectDir: options.projectDir, stack: stackName(options), ref, stackFile: options.stackFile, json: options.json }))
            .catch((error: unknown) => ({ output: `error: ${error instanceof Error ? error.message : String(error)}`, status: 1 }));
        emit(io, options, `${result.output}\n`);
        return result.status;
    }
    try {
        stack = stackName(options);
        const plan = await planStack({ projectDir: options.projectDir, stack, stackFile: options.stackFile, preview: options.preview, skipConfigValidation: options.skipConfigValidation, policyVerdict: options.policyVerdict });
        if (options.json) {
            const document = options.loadedPackages ? { ...plan, loadedPackages: loadedPulumiPackages() } : plan;
            emit(io, options, `${JSON.stringify(document, null, 2)}\n`);
        } else {
            emit(io, options, `${renderPlan(plan)}\n`);
        }
        if (options.policy) {
            const found = planViolations(plan);
            io.stderr(`${renderViolations(found)}\n`);
            if (found.length > 0) return 2;
        }
        return 0;
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        io.stderr(`error: ${message}\n`);
        if (options.json) {
            const failure = error instanceof PlanError ? error : undefined;
            const document = { stack: stack ?? null, error: message, problems: failure?.problems ?? [], resources: failure?.resources ?? [] };
            emit(io, options, `${JSON.stringify(document, null, 2)}\n`);
        }
        return 1;
    }
}

/**
 * One run of the CLI with these arguments (without node and the script): its exit status. `npm run plan` runs it
 * once per process ({@link runFromProcess}); the test suite's plan worker runs many, each with its own output.
 */
export async function runPlanCli(argv: readonly string[], io: CliOutput): Promise<number> {
    const program = command(io);
    try {
        program.parse([...argv], { from: "user" });
    } catch (error) {
        // commander has written its message (an unknown option, --help)
        return typeof (error as { exitCode?: unknown }).exitCode === "number" ? (error as { exitCode: number }).exitCode : 1;
    }
    return main(io, program.opts<Options>());
}

/** `npm run plan`: runs the CLI on the process's arguments and streams, and sets its exit status. */
export function runFromProcess(): void {
    // A failed input (e.g. a zone lookup that finds too few zones) rejects every output built on it;
    // planStack reports the failure once, where Node would dump each copy as an unhandled rejection.
    process.on("unhandledRejection", () => undefined);
    // a reader that stops early (`npm run plan | head`) closes the pipe: that is the reader's choice, not a crash
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE") throw error;
        process.exit(0);
    });
    const argv = process.argv.slice(2);
    if (argv.includes("--json")) {
        // stdout carries the JSON document alone: anything a library logs goes to stderr
        console.log = console.error;
        console.info = console.error;
    }
    const stats = argv.includes("--stats");
    void runPlanCli(argv, { stdout: (text) => void process.stdout.write(text), stderr: (text) => void process.stderr.write(text) }).then((code) => {
        if (stats) {
            const seconds = process.uptime().toFixed(2);
            const peakMiB = (process.resourceUsage().maxRSS / 1024).toFixed(0);
            process.stderr.write(`plan stats: ${seconds} s wall, ${peakMiB} MiB peak RSS\n`);
        }
        process.exitCode = code;
    });
}
