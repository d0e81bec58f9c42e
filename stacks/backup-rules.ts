import type { ConfigProblem } from "./errors";
import type { WorkbenchConfig } from "./schema";

/*
 * Cross-key rules of backups and restore (docs/backups.md): a restore reads the backups this stack takes, so it
 * needs them on, and it restores only services the stack runs.
 */

/** What a restore key asks that the rest of the configuration cannot give. */
export function restoreProblems(parsed: Partial<Pick<WorkbenchConfig, "backups" | "restore" | "services">>): ConfigProblem[] {
    const { backups, restore, services } = parsed;
    if (!restore || !backups) return [];
    const problems: ConfigProblem[] = [];
    if (!backups.enabled) {
        problems.push({
            key: "workbench:restore",
            given: restore,
            allowed: "a restore reads this stack's own backups, and workbench:backups.enabled is false: turn backups on (pulumi config set --path workbench:backups.enabled true) or remove workbench:restore",
        });
        return problems;
    }
    if (restore.homes && backups.optOut.includes("homes")) {
        problems.push({ key: "workbench:restore.homes", given: true, allowed: "homes are opted out of backups (workbench:backups.optOut): set restore.homes false or back the homes up" });
    }
    for (const [i, service] of (restore.services ?? []).entries()) {
        if (services && !services[service].enabled) {
            problems.push({ key: `workbench:restore.services[${i}]`, given: service, allowed: `services.${service} is off: enable it (workbench:services.${service}: true) or leave it out of restore.services` });
        } else if (service === "postgres" && services && !services.postgres.backup) {
            problems.push({ key: `workbench:restore.services[${i}]`, given: service, allowed: "services.postgres.backup is false, so PostgreSQL has no backup to recover from: turn it on or leave postgres out of restore.services" });
        } else if (backups.optOut.includes(service)) {
            problems.push({ key: `workbench:restore.services[${i}]`, given: service, allowed: `${service} is opted out of backups (workbench:backups.optOut), so it has none to restore: leave it out of restore.services` });
        }
    }
    return problems;
}
