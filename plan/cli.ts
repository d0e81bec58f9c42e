import * as fs from "node:fs";
import { Command } from "commander";
import { runDiff } from "./diff-command";
import { renderPlan } from "./render";
import { loadedPulumiPackages, PlanError, planStack } from "./run";

const program = new Command()
    .name("plan")
    .description("Plan a stack offline: run the real program on Pulumi's mock runtime and show what it would create.")
    .requiredOption("-s, --stack <name>", "stack to plan (reads Pulumi.<name>.yaml)")
    .option("--json", "print one JSON document on stdout and nothing else")
    .option("--stack-file <path>", "read the stack's configuration from this file instead")
    .option("--project-dir <dir>", "folder holding Pulumi.yaml and index.ts", process.cwd())
    .option("--loaded-packages", "with --json: add the @pulumi packages the planning process loaded")
    .option("--stats", "print the plan's wall time and peak memory on stderr")
    .option("--diff <git-ref>", "compare with the plan of this git ref (planned offline in a temporary worktree) and print Markdown for a pull request")
    .option("--out <file>", "write what would be printed on stdout to this file instead")
    .parse();

interface Options {
    stack: string;
    json?: boolean;
    stackFile?: string;
    projectDir: string;
    loadedPackages?: boolean;
    stats?: boolean;
    diff?: string;
    out?: string;
}

/** Prints on stdout, or writes to `--out`. */
function emit(options: Options, text: string): void {
    if (options.out) fs.writeFileSync(options.out, `${text}\n`);
    else process.stdout.write(`${text}\n`);
}

async function main(options: Options): Promise<number> {
    if (options.diff !== undefined) {
        const result = await runDiff({ projectDir: options.projectDir, stack: options.stack, ref: options.diff, stackFile: options.stackFile, json: options.json }).catch(
            (error: unknown) => ({ output: `error: ${error instanceof Error ? error.message : String(error)}`, status: 1 }),
        );
        emit(options, result.output);
        return result.status;
    }
    try {
        const plan = await planStack({ projectDir: options.projectDir, stack: options.stack, stackFile: options.stackFile });
        if (options.json) {
            const document = options.loadedPackages ? { ...plan, loadedPackages: loadedPulumiPackages() } : plan;
            emit(options, JSON.stringify(document, null, 2));
        } else {
            emit(options, renderPlan(plan));
        }
        return 0;
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`error: ${message}\n`);
        if (options.json) {
            const failure = error instanceof PlanError ? error : undefined;
            const document = { stack: options.stack, error: message, problems: failure?.problems ?? [], resources: failure?.resources ?? [] };
            process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
        }
        return 1;
    }
}

// A failed input (e.g. a zone lookup that finds too few zones) rejects every output built on it;
// planStack reports the failure once, where Node would dump each copy as an unhandled rejection.
process.on("unhandledRejection", () => undefined);

const options = program.opts<Options>();
if (options.json) {
    // stdout carries the JSON document alone: anything a library logs goes to stderr
    console.log = console.error;
    console.info = console.error;
}
main(options).then((code) => {
    if (options.stats) {
        const seconds = process.uptime().toFixed(2);
        const peakMiB = (process.resourceUsage().maxRSS / 1024).toFixed(0);
        process.stderr.write(`plan stats: ${seconds} s wall, ${peakMiB} MiB peak RSS\n`);
    }
    process.exitCode = code;
});
