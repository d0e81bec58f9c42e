import type { SnapshotControllerDemand, SystemPoolAtSize } from "../../providers/contract";
import type { WorkbenchConfig } from "../../stacks/schema";
import { HomesBackupDemand, HomesMethod, systemPods } from "../capacity/demand";
import { systemPoolFit } from "../capacity/fit";
import { VELERO_TRANSIENT } from "../capacity/requests";
import { VELERO_INHERITED_TOLERATION_KEYS } from "./velero";

/*
 * How the homes are backed up (`workbench:backups.method`, docs/backups.md). Velero's CSI snapshot data mover reads
 * every home, whether its server runs or not, and the hub's database, from a snapshot; its file-system backup reads
 * only the volumes running servers mount. The data mover's pods can run on the system pool only (Velero 1.18 gives
 * them none of our pools' tolerations but its own short list: pkg/util/third_party.go), so snapshots cost the system
 * pool a node agent, room for one data mover and, on EKS, the snapshot controller. `auto` takes snapshots where the
 * platform offers them and the pool holds that, files otherwise; the configuration check and the program decide with
 * these same functions from the same pool description, so the plan's verdict is the program's.
 */

/** The system pool as the decision reads it: a size class's description without its name. */
export type SystemPoolShapeWithAgents = Omit<SystemPoolAtSize, "size">;

/** What was decided, and why. */
export interface HomesMethodChoice {
    method: HomesMethod;
    /**
     * `configured`: the key names it; `not-offered`: auto, and the platform takes no CSI snapshots; `tainted`: auto,
     * and the system pool carries a taint Velero's data movers cannot tolerate; `no-room`: auto, and the system pool
     * cannot hold what snapshots run there.
     */
    why: "configured" | "not-offered" | "tainted" | "no-room";
}

/** Whether the stack backs the homes up at all. */
export function homesBackedUp(backups: Pick<WorkbenchConfig["backups"], "enabled" | "optOut">): boolean {
    return backups.enabled && !backups.optOut.includes("homes");
}

/**
 * The system pool's taints a data mover cannot tolerate: it carries the node agent's tolerations only for the keys
 * Velero lists (a toleration the pool needs for any other key is lost), so such a pool holds no data mover.
 */
export function taintsBlockingDataMovers(pool: Pick<SystemPoolShapeWithAgents, "taints">): string[] {
    return (pool.taints ?? []).map((taint) => taint.key).filter((key) => !VELERO_INHERITED_TOLERATION_KEYS.includes(key));
}

/** What the homes' backup places on the pool with a method. */
export function homesDemand(method: HomesMethod, pool: Pick<SystemPoolShapeWithAgents, "nodes">, snapshots: SnapshotControllerDemand | undefined): HomesBackupDemand {
    return { method, nodes: pool.nodes, controllerPods: snapshots?.controllerPods ?? { cpuMillis: 0, memoryMiB: 0, pods: 0 } };
}

/** The method the homes are backed up with on this pool; undefined when they are not backed up. */
export function chooseHomesMethod(
    config: Pick<WorkbenchConfig, "backups" | "services">,
    pool: SystemPoolShapeWithAgents,
    snapshots: SnapshotControllerDemand | undefined,
): HomesMethodChoice | undefined {
    if (!homesBackedUp(config.backups)) return undefined;
    const configured = config.backups.method;
    if (configured !== "auto") return { method: configured, why: "configured" };
    if (!snapshots) return { method: "files", why: "not-offered" };
    if (taintsBlockingDataMovers(pool).length > 0) return { method: "files", why: "tainted" };
    const pods = systemPods(config.services, pool.installsAutoscaler, homesDemand("snapshots", pool, snapshots));
    return systemPoolFit(pool, pool.agents, pods).fits ? { method: "snapshots", why: "configured" } : { method: "files", why: "no-room" };
}

/** The system pool's demand for the homes' backup as decided, for the fit check; undefined when they are not backed up. */
export function homesBackupDemand(
    config: Pick<WorkbenchConfig, "backups" | "services">,
    pool: SystemPoolShapeWithAgents,
    snapshots: SnapshotControllerDemand | undefined,
): HomesBackupDemand | undefined {
    const choice = chooseHomesMethod(config, pool, snapshots);
    return choice ? homesDemand(choice.method, pool, snapshots) : undefined;
}

/**
 * Whether file-system backup leaves a pod slot (and the requests) for Velero's kopia maintenance Jobs, which run on
 * the system pool like the data movers do; without one they wait forever and the repository is never compacted.
 * The shortages say what runs out.
 */
export function roomForMaintenance(config: Pick<WorkbenchConfig, "services">, pool: SystemPoolShapeWithAgents): { fits: boolean; shortages: string[] } {
    const pods = systemPods(config.services, pool.installsAutoscaler, homesDemand("files", pool, undefined));
    const fit = systemPoolFit(pool, pool.agents, [...pods, { component: "Velero repository maintenance Job", ...VELERO_TRANSIENT, pods: 1 }]);
    return { fits: fit.fits, shortages: fit.shortages };
}
