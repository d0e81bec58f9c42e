import type { ConfigProblem } from "./errors";
import type { WorkbenchConfig } from "./schema";

/*
 * Cross-key rules of backups and restore (docs/backups.md): a restore reads the backups this stack takes, so it
 * needs them on, and it restores only services the stack runs.
 */

/**
 * What the homes' backup method asks of an existing cluster that the configuration does not say: the snapshot class
 * of the homes' driver (which an existing cluster's storage class, used by name, does not reveal here), and a driver
 * that is the class's own provisioner (Velero picks the class by driver: another driver's class never matches).
 */
export function volumeSnapshotProblems(parsed: Partial<Pick<WorkbenchConfig, "backups" | "cloud" | "existing">>): ConfigProblem[] {
    const { backups, cloud, existing } = parsed;
    if (cloud !== "existing" || !existing) return [];
    const snapshots = existing.volumeSnapshots;
    const problems: ConfigProblem[] = [];
    if (!snapshots) {
        if (backups?.method === "snapshots") {
            problems.push({
                key: "workbench:backups.method",
                given: "snapshots",
                allowed: "snapshots need this cluster's CSI snapshot support, which workbench:existing.volumeSnapshots describes and is not set: set it (driver, and className if the cluster has a VolumeSnapshotClass), or choose files or auto",
            });
        }
        return problems;
    }
    const provisioner = existing.storageClass.provisioner;
    if (snapshots.driver === undefined && provisioner === undefined) {
        problems.push({
            key: "workbench:existing.volumeSnapshots.driver",
            given: undefined,
            allowed: `the storage class ${existing.storageClass.name} is used by name, so its CSI driver is not known here: set driver to its provisioner (kubectl get storageclass ${existing.storageClass.name} -o jsonpath='{.provisioner}')`,
        });
    } else if (snapshots.driver !== undefined && provisioner !== undefined && snapshots.driver !== provisioner) {
        problems.push({
            key: "workbench:existing.volumeSnapshots.driver",
            given: snapshots.driver,
            allowed: `must be the homes' storage class provisioner (workbench:existing.storageClass.provisioner: ${provisioner}): Velero snapshots a volume with a class of the driver that made it, so another driver's class never applies`,
        });
    }
    return problems;
}

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
