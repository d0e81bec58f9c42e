import { homesMethodProblems, homesMethodWarnings } from "./components/backups/method-warnings";
import { systemPoolProblems } from "./components/capacity/check";
import { servingPoolProblems } from "./components/capacity/serving";
import type { PlatformPreparation } from "./providers/contract";
import { loadPlatformModule } from "./providers/registry";
import type { ConfigProblem } from "./stacks/errors";
import { CheckedConfig, checkConfig, CheckOptions } from "./stacks/load";

/** Everything a stack's configuration gets wrong before anything is created, and what its platform prepared. */
export interface StackCheck {
    /** The schema's and the cross-key rules' findings, and every key that parsed. */
    checked: CheckedConfig;
    /** The selected platform's check (absent without a valid cloud). */
    preparation?: PlatformPreparation;
    /** Every problem: schema, cross-key, the platform's lookups, the always-on fit. */
    problems: ConfigProblem[];
    /** What the user should know, from the configuration and the platform. */
    warnings: string[];
}

/** How {@link checkStack} runs. */
export interface StackCheckOptions extends CheckOptions {
    /** The day the check runs, for support windows. */
    today: Date;
}

/**
 * Checks a stack the way the program does before creating anything: the schema and the cross-key rules,
 * then the selected platform's own checks (which may look things up in the cloud), then the always-on fit
 * of what the shared layer places on the platform's system pool, and of the served replicas on its serving pool. All problems come back together, so one
 * message lists them all and a failed preview leaves nothing behind.
 */
export async function checkStack(stack: string, flat: Readonly<Record<string, string>>, options: StackCheckOptions): Promise<StackCheck> {
    const checked = checkConfig(flat, options);
    const cloud = checked.parsed.cloud;
    // without a valid cloud there is no platform to ask; its own problem is already listed
    const preparation = cloud
        ? await loadPlatformModule(cloud).prepare({ stack, parsed: checked.parsed, provider: checked.provider, secretsSet: checked.secretsSet, today: options.today })
        : undefined;
    const { services, backups } = checked.parsed;
    const sizing = preparation?.systemPool;
    const method = sizing && services && backups ? homesMethodProblems({ services, backups }, sizing) : [];
    const fit = sizing && services && method.length === 0 ? systemPoolProblems({ services, backups }, sizing, preparation.volumeSnapshots) : [];
    // how the homes are backed up, when the pool fits (a problem of its own otherwise)
    const homes = sizing && services && backups && fit.length === 0 && method.length === 0 ? homesMethodWarnings({ services, backups }, sizing, preparation.volumeSnapshots) : [];
    // the served replicas on the serving pool, when there is one and the keys that describe them parsed
    const { models, apps, servingPool } = checked.parsed;
    const servingFit = preparation?.servingPool && models && apps && servingPool ? servingPoolProblems({ models, apps, servingPool }, preparation.servingPool) : [];
    return {
        checked,
        preparation,
        problems: [...checked.problems, ...(preparation?.problems ?? []), ...method, ...fit, ...servingFit],
        warnings: [...checked.warnings, ...(preparation?.warnings ?? []), ...homes],
    };
}
