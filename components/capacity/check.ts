import type { SnapshotControllerDemand, SystemPoolAtSize, SystemPoolSizing } from "../../providers/contract";
import type { ConfigProblem } from "../../stacks/errors";
import type { WorkbenchConfig } from "../../stacks/schema";
import { homesBackupDemand } from "../backups/method";
import { systemPods } from "./demand";
import { fitMessage, systemPoolFit } from "./fit";

/** What runs on a system pool of this size with this configuration (the homes' backup method decided for it). */
function podsAt(config: { services: WorkbenchConfig["services"]; backups?: WorkbenchConfig["backups"] }, pool: SystemPoolAtSize, snapshots: SnapshotControllerDemand | undefined) {
    const homes = config.backups ? homesBackupDemand({ services: config.services, backups: config.backups }, pool, snapshots) : undefined;
    return systemPods(config.services, pool.installsAutoscaler, homes);
}

/**
 * The always-on fit check as a configuration problem: everything the workbench places on the system pool,
 * with the cloud's agents, must fit the pool the platform describes; when it does not, the problem names the
 * key that sizes the pool and the smallest size that fits. Runs before any resource exists.
 */
export function systemPoolProblems(
    config: { services: WorkbenchConfig["services"]; backups?: WorkbenchConfig["backups"] },
    sizing: SystemPoolSizing,
    snapshots?: SnapshotControllerDemand,
): ConfigProblem[] {
    const pods = podsAt(config, sizing.current, snapshots);
    const fit = systemPoolFit(sizing.current, sizing.current.agents, pods);
    if (fit.fits) return [];
    const fitting = sizing.sizes.find((option) => systemPoolFit(option, option.agents, podsAt(config, option, snapshots)).fits)?.size;
    return [{ key: sizing.key, given: sizing.given, allowed: fitMessage(fit, pods, sizing.advice(fitting)) }];
}
