import type { LimitsSchema } from "../../stacks/schema";
import type { z } from "zod";
import { HUB_CONFIG_DIR, HubExtraFile } from "./hub-files";

/*
 * Fair use (DESIGN §5b.7): per-person limits on running servers, GPU servers and Dask cluster size, set in
 * `workbench:users.limits`, so one person cannot scale a pool to its maximum alone. The hub enforces the
 * servers (named servers allowed up to the limit, and a pre-spawn check counting the person's running and
 * starting servers); Dask Gateway enforces each cluster's size (its per-cluster `cluster_max_workers` and
 * `cluster_max_cores`, set by the cluster-options handler).
 */

/** The per-person limits (`workbench:users.limits`). */
export type FairUseLimits = z.output<typeof LimitsSchema>;

/** The module (a file in {@link HUB_CONFIG_DIR}) holding the pre-spawn check. */
export const FAIR_USE_MODULE = "workbench_fair_use";

/**
 * The pre-spawn check. JupyterHub 5.5's `User.spawn` marks the starting server pending, applies its
 * `user_options` and then runs `Spawner.pre_spawn_hook`; an exception there fails the start, and the hub shows
 * the exception's `jupyterhub_message`. `User.all_spawners` yields wrappers (with `active`) for servers the hub
 * has loaded and bare database rows for the others, which are not running. A hook set earlier in the
 * configuration (another part of the workbench) runs after the check, so both hold.
 */
export const FAIR_USE_SOURCE = `"""Per-person limits on the workbench's hub: running servers and GPU servers (fair use)."""


class FairUseRefused(Exception):
    """A start refused by a per-person limit; JupyterHub shows jupyterhub_message to the person."""

    def __init__(self, message):
        super().__init__(message)
        self.jupyterhub_message = message


def _profile(spawner):
    return (getattr(spawner, "user_options", None) or {}).get("profile") or ""


def check(spawner, limits, gpu_profiles):
    """Raises FairUseRefused when starting this server would exceed the person's limits."""
    others = [s for s in spawner.user.all_spawners() if s is not spawner and getattr(s, "active", False)]
    if len(others) >= limits["servers"]:
        raise FairUseRefused(
            "You already run %d server(s); the limit per person is %d (workbench:users.limits.servers). "
            "Stop one at /hub/home first." % (len(others), limits["servers"])
        )
    if _profile(spawner) in gpu_profiles:
        gpu = [s for s in others if _profile(s) in gpu_profiles]
        if len(gpu) >= limits["gpuServers"]:
            raise FairUseRefused(
                "You already run %d GPU server(s); the limit per person is %d (workbench:users.limits.gpuServers). "
                "Stop one at /hub/home first, or start a CPU profile." % (len(gpu), limits["gpuServers"])
            )


def fair_use_hook(limits, gpu_profiles, previous=None):
    """A pre_spawn_hook: the limits first, then the hook configured before (if any)."""
    gpu_profiles = set(gpu_profiles)

    def hook(spawner):
        check(spawner, limits, gpu_profiles)
        if previous is not None:
            return previous(spawner)

    return hook
`;

/** What the hub's values get for fair use. */
export interface FairUseValues {
    /** Sections of `hub.config`. */
    config: Record<string, Record<string, unknown>>;
    /** Entries of `hub.extraConfig`. */
    extraConfig: Record<string, string>;
    /** Entries of `hub.extraFiles`. */
    extraFiles: Record<string, HubExtraFile>;
}

/** The extraConfig entry: late in z2jh's sorted order, so a hook set by an earlier entry is chained, not replaced. */
export const FAIR_USE_CONFIG_KEY = "90-workbench-fair-use";

/** The hub values enforcing the server limits; `gpuProfiles` are the GPU profiles' slugs. */
export function fairUseValues(limits: FairUseLimits, gpuProfiles: readonly string[]): FairUseValues {
    const data = JSON.stringify(JSON.stringify({ limits: { servers: limits.servers, gpuServers: limits.gpuServers }, gpuProfiles }));
    return {
        // more than one server per person needs named servers; JupyterHub counts the named servers a person has
        config: limits.servers > 1 ? { JupyterHub: { allow_named_servers: true, named_server_limit_per_user: limits.servers } } : {},
        extraConfig: {
            [FAIR_USE_CONFIG_KEY]:
                `import json, ${FAIR_USE_MODULE}\n` +
                `_fair_use = json.loads(${data})\n` +
                `c.KubeSpawner.pre_spawn_hook = ${FAIR_USE_MODULE}.fair_use_hook(_fair_use["limits"], _fair_use["gpuProfiles"], c.KubeSpawner.get("pre_spawn_hook") or c.Spawner.get("pre_spawn_hook"))\n`,
        },
        extraFiles: { "workbench-fair-use": { mountPath: `${HUB_CONFIG_DIR}/${FAIR_USE_MODULE}.py`, stringData: FAIR_USE_SOURCE } },
    };
}

/** Dask Gateway's per-cluster limits (its `ClusterConfig` traits), as the cluster-options handler sets them. */
export interface DaskClusterLimits {
    /** `cluster_max_workers`: the pool's capacity caps it further. */
    maxWorkers: number;
    /** `cluster_max_cores`, the scheduler's cores included. */
    maxCores: number;
}

/** The per-cluster limits from `workbench:users.limits`. */
export function daskClusterLimits(limits: FairUseLimits): DaskClusterLimits {
    return { maxWorkers: limits.daskWorkers, maxCores: limits.daskCores };
}

/** The `login` output's lines about the limits. */
export function fairUseLines(limits: FairUseLimits, hasGpus: boolean, hasDask: boolean): string[] {
    const servers = `${limits.servers} server${limits.servers > 1 ? "s" : ""} at a time`;
    const gpus = hasGpus ? `, ${limits.gpuServers} of them on a GPU` : "";
    return [
        `each person: ${servers}${gpus} (workbench:users.limits)`,
        ...(hasDask ? [`each Dask cluster: at most ${limits.daskWorkers} workers and ${limits.daskCores} cores`] : []),
    ];
}
