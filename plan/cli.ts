import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { planViolations, renderViolations } from "./policy";
import { compareFiles, runDiff } from "./diff-command";
import { renderPlan } from "./render";
import { loadedPulumiPackages, PlanError, planStack } from "./run";

const program = new Command()
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
    .parse();

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
function emit(options: Options, text: string): void {
    if (options.out) {
        fs.writeFileSync(options.out, text);
        process.stderr.write(`plan written to ${options.out}\n`);
    } else {
        process.stdout.write(text);
    }
}

async function main(options: Options): Promise<number> {
    let stack = options.stack;
    if (options.compare !== undefined) {
        const [baseFile, changeFile] = options.compare;
        if (options.compare.length !== 2 || !baseFile || !changeFile) throw new Error("--compare takes two files: the base's plan document, then the change's");
        const result = compareFiles(stackName(options), options.diff ?? "base", baseFile, changeFile, options.json);
        emit(options, `${result.output}\n`);
        return result.status;
    }
    if (options.diff !== undefined) {
        const ref = options.diff;
        const result = await Promise.resolve()
            .then(() => runDiff({ projectDir: options.projectDir, stack: stackName(options), ref, stackFile: options.stackFile, json: options.json }))
            .catch((error: unknown) => ({ output: `error: ${error instanceof Error ? error.message : String(error)}`, status: 1 }));
        emit(options, `${result.output}\n`);
        return result.status;
    }
    try {
        stack = stackName(options);
        const plan = await planStack({ projectDir: options.projectDir, stack, stackFile: options.stackFile, preview: options.preview, skipConfigValidation: options.skipConfigValidation, policyVerdict: options.policyVerdict });
        if (options.json) {
            const document = options.loadedPackages ? { ...plan, loadedPackages: loadedPulumiPackages() } : plan;
            emit(options, `${JSON.stringify(document, null, 2)}\n`);
        } else {
            emit(options, `${renderPlan(plan)}\n`);
        }
        if (options.policy) {
            const found = planViolations(plan);
            process.stderr.write(`${renderViolations(found)}\n`);
            if (found.length > 0) return 2;
        }
        return 0;
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`error: ${message}\n`);
        if (options.json) {
            const failure = error instanceof PlanError ? error : undefined;
            const document = { stack: stack ?? null, error: message, problems: failure?.problems ?? [], resources: failure?.resources ?? [] };
            emit(options, `${JSON.stringify(document, null, 2)}\n`);
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
