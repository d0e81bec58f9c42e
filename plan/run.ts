import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { budgetWarnings, estimateCost } from "../cost/estimate";
import { ConfigError, ConfigProblem } from "../stacks/errors";
import { validateConfig } from "../stacks/load";
import { PlanMocks } from "./mocks";
import { pulumiConfigProblemsOf } from "./cli-config";
import { planVerdict, refusalMessage } from "./policy";
import { readStackConfig } from "./project";
import { skipStackTraces } from "./stack-traces";
import { RecordableMonitor, Recorder } from "./recorder";
import { Plan, PlannedResource } from "./types";

/** What to plan. */
export interface PlanOptions {
    /** Folder holding Pulumi.yaml and index.ts. */
    projectDir: string;
    /** Stack name: its config is read from `Pulumi.<stack>.yaml`. */
    stack: string;
    /** Read the stack's config from this file instead of `Pulumi.<stack>.yaml`. */
    stackFile?: string;
    /** Plan as a first `pulumi preview` does: `isDryRun()` true, provider-computed outputs unknown, no apply on them. */
    preview?: boolean;
    /** Skip the CLI's config validation, as `pulumi preview --skip-config-validation` does (planning an old commit). */
    skipConfigValidation?: boolean;
    /**
     * False: plan without the mandatory policies' verdict, as `pulumi preview` without `--policy-pack` does. For an
     * old commit planned only for its URNs or its diff: today's policies judge today's program, not the base's.
     */
    policyVerdict?: boolean;
}

/** A plan that failed: the reason, any configuration problems, and what had been registered by then. */
export class PlanError extends Error {
    constructor(
        message: string,
        readonly problems: readonly ConfigProblem[],
        readonly resources: readonly PlannedResource[],
    ) {
        super(message);
        this.name = "PlanError";
    }
}

/** The CLI's refusal, as `pulumi preview` prints it, and what to do about it. */
function cliConfigMessage(problems: readonly string[]): string {
    return [
        "pulumi preview would stop here, before the program runs (validating stack config):",
        ...problems.map((p) => `  - ${p}`),
        "Set each missing key (pulumi config set [--secret] workbench:<key> <value>; --path for a nested one), and set secret keys with --secret.",
    ].join("\n");
}

/** The SDK packages (`@pulumi/<name>`) this process has loaded. */
export function loadedPulumiPackages(): string[] {
    const names = Object.keys(require.cache)
        .map((file) => /node_modules[\\/]@pulumi[\\/]([^\\/]+)[\\/]/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined);
    return [...new Set(names)].sort();
}

/**
 * Runs the real program (`index.ts`) on Pulumi's mock runtime and returns what it would do.
 * Call once per process: the Pulumi runtime keeps global state.
 */
export async function planStack(options: PlanOptions): Promise<Plan> {
    skipStackTraces();
    const stackConfig = readStackConfig(options.projectDir, options.stack, options.stackFile);
    // the CLI validates the stack's config against Pulumi.yaml before it starts the program: so does the plan
    const cliProblems = options.skipConfigValidation ? [] : pulumiConfigProblemsOf(options.projectDir, options.stack, options.stackFile);
    if (cliProblems.length > 0) throw new PlanError(cliConfigMessage(cliProblems), [], []);
    const warnings: string[] = [];
    const errors: string[] = [];
    const log = pulumi.log as { warn: typeof pulumi.log.warn; error: typeof pulumi.log.error };
    log.warn = async (message: string) => void warnings.push(message);
    log.error = async (message: string) => void errors.push(message);

    pulumi.runtime.setAllConfig(stackConfig.config, stackConfig.secretKeys);
    await pulumi.runtime.setMocks(
        new PlanMocks({ stack: options.stack, project: stackConfig.project, config: stackConfig.config, preview: options.preview === true }),
        stackConfig.project,
        options.stack,
        options.preview === true,
    );
    const recorder = new Recorder();
    recorder.attach(pulumi.runtime.getMonitor() as unknown as RecordableMonitor);

    const programPath = path.join(path.resolve(options.projectDir), "index.ts");
    const failure = await pulumi.runtime
        .runInPulumiStack(async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const program: unknown = require(programPath);
            return typeof program === "function" ? await (program as () => Promise<unknown>)() : program;
        })
        .then(
            () => undefined,
            (error: unknown) => error,
        );
    await pulumi.runtime.disconnect();

    const stackUrn = recorder.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
    const resources = recorder.resources;
    if (failure !== undefined || errors.length > 0) {
        const message = failure instanceof Error ? failure.message : failure !== undefined ? String(failure) : errors.join("\n");
        throw new PlanError(message, failure instanceof ConfigError ? failure.problems : [], resources);
    }

    // one verdict: what the mandatory pack would refuse at preview, the plan refuses; what only the plan can see, it warns of
    const verdict = options.policyVerdict === false ? { refused: [], offlineOnly: [] } : planVerdict({ resources, outputs: stackUrn ? recorder.outputsOf(stackUrn) : {} });
    if (verdict.refused.length > 0) throw new PlanError(refusalMessage(verdict.refused), [], resources);
    const offlineWarnings = verdict.offlineOnly.map((v) => `Policy ${v.policy} (checked offline only; npm run plan -- --policy refuses it): ${v.message}`);

    const { config } = validateConfig(options.stack, stackConfig.config);
    const cost = estimateCost(config);
    return {
        stack: options.stack,
        ...(options.preview ? { preview: true } : {}),
        cloud: config.cloud,
        resources,
        outputs: stackUrn ? recorder.outputsOf(stackUrn) : {},
        warnings: [...warnings, ...offlineWarnings, ...budgetWarnings(cost)],
        cost,
    };
}
