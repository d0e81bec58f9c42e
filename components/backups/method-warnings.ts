import type { SnapshotControllerDemand, SystemPoolSizing } from "../../providers/contract";
import type { WorkbenchConfig } from "../../stacks/schema";
import { systemPods } from "../capacity/demand";
import { systemPoolFit } from "../capacity/fit";
import type { ConfigProblem } from "../../stacks/errors";
import { chooseHomesMethod, homesDemand, roomForMaintenance, taintsBlockingDataMovers } from "./method";
import { VELERO_INHERITED_TOLERATION_KEYS } from "./velero";

/*
 * What the plan says about the homes' backup method: file-system backup leaves out the homes of stopped servers and
 * the hub's database, so whenever it is the method the plan says so, with what would back everything up instead.
 */

/** What the homes' backup leaves out with file-system backup, as the warnings say it. */
export const FILES_LEAVE_OUT =
    "only the homes of servers running at backup time are copied; a stopped server's home and the hub's database (hub-db-dir: accounts, approvals, tokens) are not backed up";

/** The plan's warnings about how the homes are backed up at the configured system pool. */
export function homesMethodWarnings(
    config: Pick<WorkbenchConfig, "services" | "backups">,
    sizing: SystemPoolSizing,
    snapshots: SnapshotControllerDemand | undefined,
): string[] {
    const choice = chooseHomesMethod(config, sizing.current, snapshots);
    if (!choice || choice.method === "snapshots") return [];
    const warnings: string[] = [];
    if (choice.why === "not-offered") {
        warnings.push(
            `Homes are backed up by file-system backup: this cluster's CSI snapshot support is not described (workbench:existing.volumeSnapshots), so ${FILES_LEAVE_OUT}. ` +
                "Name the cluster's snapshot driver (and VolumeSnapshotClass) there to back every home and the hub's database up by snapshot.",
        );
    } else if (choice.why === "tainted") {
        warnings.push(
            `Homes are backed up by file-system backup (workbench:backups.method auto): the system pool is tainted ${taintsBlockingDataMovers(sizing.current).join(", ")}, ` +
                `which Velero's data movers cannot tolerate (they carry only ${VELERO_INHERITED_TOLERATION_KEYS.join(" and ")} tolerations), so ${FILES_LEAVE_OUT}.`,
        );
    } else if (choice.why === "no-room") {
        const needs = systemPods(config.services, sizing.current.installsAutoscaler, homesDemand("snapshots", sizing.current, snapshots));
        const shortages = systemPoolFit(sizing.current, sizing.current.agents, needs).shortages.join("; ");
        const fitting = sizing.sizes.find((option) => chooseHomesMethod(config, option, snapshots)?.method === "snapshots")?.size;
        warnings.push(
            `Homes are backed up by file-system backup (workbench:backups.method auto): snapshots of every home and of the hub's database need Velero's node agent, ` +
                `room for one data mover${snapshots && snapshots.controllerPods.pods > 0 ? " and the CSI snapshot controller" : ""} on the system pool, which has no room for them at ` +
                `${sizing.key} ${JSON.stringify(sizing.given)} (${shortages}). So ${FILES_LEAVE_OUT}. To back everything up: ${sizing.advice(fitting)}.`,
        );
    } else {
        const offered = snapshots !== undefined;
        warnings.push(
            `Homes are backed up by file-system backup (workbench:backups.method files): ${FILES_LEAVE_OUT}.` +
                (offered ? " Set workbench:backups.method auto or snapshots to back every home and the hub's database up by snapshot." : ""),
        );
    }
    const room = roomForMaintenance(config, sizing.current);
    if (!room.fits) {
        warnings.push(
            `Velero's kopia repository maintenance Jobs run on the system pool (Velero gives them only its own short list of tolerations, none of the user pools'), ` +
                `which has no room for one at ${sizing.key} ${JSON.stringify(sizing.given)} (${room.shortages.join("; ")}): they wait, and the space ` +
                `of expired home backups under backups/homes/ is not reclaimed. A larger system pool holds them: ` +
                `${sizing.advice(sizing.sizes.find((option) => roomForMaintenance(config, option).fits)?.size)}.`,
        );
    }
    return warnings;
}

/** A configured `snapshots` that the system pool cannot run: its data movers would never start. */
export function homesMethodProblems(config: Pick<WorkbenchConfig, "services" | "backups">, sizing: SystemPoolSizing): ConfigProblem[] {
    if (config.backups.method !== "snapshots") return [];
    const blocking = taintsBlockingDataMovers(sizing.current);
    if (blocking.length === 0) return [];
    return [
        {
            key: "workbench:backups.method",
            given: "snapshots",
            allowed: `the system pool is tainted ${blocking.join(", ")}, which Velero's data movers cannot tolerate (they carry only ${VELERO_INHERITED_TOLERATION_KEYS.join(" and ")} tolerations): choose files or auto, or a system pool without that taint`,
        },
    ];
}
