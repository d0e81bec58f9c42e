import { GpuPoolConfig, groupsOf, WorkbenchConfig } from "../../stacks/schema";
import { HUB_CONFIG_DIR, HubExtraFile } from "./hub-files";
import { gpuProfileSlug } from "./profiles";

/*
 * Groups decide who gets what: JupyterHub groups (from `workbench:users.groups`, or GitHub teams with GitHub
 * sign-in) name who may start each GPU profile (`workbench:gpuPools[].groups`). The hub enforces it with
 * KubeSpawner's callable `profile_list`: a profile left out of a person's list is neither offered nor startable
 * (KubeSpawner 7.0.0's `load_user_options` evaluates the same callable and refuses a slug it does not return).
 */

/** Who may start each GPU profile: its slug to the groups allowed (an empty list: everyone). */
export type ProfileGates = Record<string, string[]>;

/** The gates of the configured GPU pools, by their profiles' slugs. */
export function profileGates(gpuPools: readonly Pick<GpuPoolConfig, "name" | "groups">[]): ProfileGates {
    return Object.fromEntries(gpuPools.map((pool) => [gpuProfileSlug(pool.name), [...(pool.groups ?? [])]]));
}

/** The module (a file in {@link HUB_CONFIG_DIR}) holding the profile-list function and GitHub's group mapping. */
export const GROUPS_MODULE = "workbench_groups";

/**
 * The hub-side code. `gated_profile_list` wraps the profile list z2jh set from `singleuser.profileList`;
 * `github_groups` is OAuthenticator 17.4's `auth_state_groups_key` as a callable: the user's GitHub teams (as
 * `org:team-slug`, the spelling of `allowed_organizations`, from `populate_teams_in_auth_state`) plus the
 * configured groups naming the user's login, since `manage_groups` replaces a user's groups at each login
 * (and JupyterHub 5.5 refuses `load_groups` beside it).
 */
export const GROUPS_SOURCE = `"""Who may start which notebook profile on the workbench's hub (groups)."""
import copy


def _group_names(user):
    return {group.name for group in user.groups}


def offered_profiles(profiles, gates, groups):
    """The profiles a member of groups may start: ungated ones, and gated ones sharing a group."""
    return [copy.deepcopy(p) for p in profiles if not gates.get(p["slug"]) or groups & set(gates[p["slug"]])]


def gated_profile_list(profiles, gates):
    """KubeSpawner's callable profile_list: called for the spawn form and again when a server starts."""
    profiles = copy.deepcopy(list(profiles))

    def profile_list(spawner):
        offered = offered_profiles(profiles, gates, _group_names(spawner.user))
        withheld = [p["slug"] for p in profiles if p not in offered]
        if withheld:
            spawner.log.debug("Profiles %s are not offered to %s (groups)", ", ".join(withheld), spawner.user.name)
        return offered

    return profile_list


def github_groups(configured):
    """auth_state -> groups: GitHub teams as org:team-slug, and the configured groups naming the login."""

    def groups(auth_state):
        teams = auth_state.get("teams") or []
        names = {"%s:%s" % (team["organization"]["login"].lower(), team["slug"].lower()) for team in teams}
        login = ((auth_state.get("github_user") or {}).get("login") or "").lower()
        names |= {group for group, members in configured.items() if login in {m.lower() for m in members}}
        return sorted(names)

    return groups
`;

/** What the hub's values get for groups. */
export interface GroupsValues {
    /** Sections of `hub.config`. */
    config: Record<string, Record<string, unknown>>;
    /** Entries of `hub.extraConfig`. */
    extraConfig: Record<string, string>;
    /** Entries of `hub.extraFiles`. */
    extraFiles: Record<string, HubExtraFile>;
}

/** A JSON document as a Python string literal (JSON's string syntax is valid Python). */
function pythonJson(data: unknown): string {
    return JSON.stringify(JSON.stringify(data));
}

/**
 * The groups' hub values: the groups themselves (`load_groups`, or with GitHub the team mapping), and the
 * gated profile list wherever a GPU profile names groups. Runs after z2jh has set `KubeSpawner.profile_list`.
 */
export function groupsValues(users: WorkbenchConfig["users"], auth: WorkbenchConfig["auth"], gates: ProfileGates): GroupsValues {
    const gated = Object.values(gates).some((groups) => groups.length > 0);
    const teams = Object.values(gates).some((groups) => groups.some((group) => group.includes(":")));
    const groups = groupsOf(users);
    const defined = Object.keys(groups).length > 0;
    if (!gated && !defined) return { config: {}, extraConfig: {}, extraFiles: {} };
    const config: GroupsValues["config"] = {};
    const extraConfig: Record<string, string> = {};
    if (auth.type === "github") {
        // teams are listed only with the read:org scope (OAuthenticator logs an error and lists none without it)
        config["GitHubOAuthenticator"] = { manage_groups: true, ...(teams ? { populate_teams_in_auth_state: true, scope: ["read:org"] } : {}) };
        extraConfig["40-workbench-github-groups"] =
            `import json, ${GROUPS_MODULE}\nc.GitHubOAuthenticator.auth_state_groups_key = ${GROUPS_MODULE}.github_groups(json.loads(${pythonJson(groups)}))\n`;
    } else if (defined) {
        config["JupyterHub"] = { load_groups: Object.fromEntries(Object.entries(groups).map(([group, members]) => [group, { users: [...members] }])) };
    }
    if (gated) {
        extraConfig["41-workbench-profile-groups"] =
            `import json, ${GROUPS_MODULE}\n` +
            `c.KubeSpawner.profile_list = ${GROUPS_MODULE}.gated_profile_list(c.KubeSpawner.get("profile_list") or [], json.loads(${pythonJson(gates)}))\n`;
    }
    return {
        config,
        extraConfig,
        extraFiles: { "workbench-groups": { mountPath: `${HUB_CONFIG_DIR}/${GROUPS_MODULE}.py`, stringData: GROUPS_SOURCE } },
    };
}
