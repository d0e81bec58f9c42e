import type { SystemPoolSizing } from "../../providers/contract";
import type { ConfigProblem } from "../../stacks/errors";
import type { WorkbenchConfig } from "../../stacks/schema";
import { systemPods } from "./demand";
import { fitMessage, systemPoolFit } from "./fit";

/**
 * The always-on fit check as a configuration problem: everything the workbench places on the system pool,
 * with the cloud's agents, must fit the pool the platform describes; when it does not, the problem names the
 * key that sizes the pool and the smallest size that fits. Runs before any resource exists.
 */
export function systemPoolProblems(services: WorkbenchConfig["services"], sizing: SystemPoolSizing, backups?: WorkbenchConfig["backups"]): ConfigProblem[] {
    const pods = systemPods(services, sizing.current.installsAutoscaler, backups);
    const fit = systemPoolFit(sizing.current, sizing.current.agents, pods);
    if (fit.fits) return [];
    const fitting = sizing.sizes.find((option) => systemPoolFit(option, option.agents, systemPods(services, option.installsAutoscaler, backups)).fits)?.size;
    return [{ key: sizing.key, given: sizing.given, allowed: fitMessage(fit, pods, sizing.advice(fitting)) }];
}
