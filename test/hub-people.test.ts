import * as assert from "node:assert/strict";
import { hubAuthValues, HubAuthValues, PRESET_AUTHENTICATOR } from "../components/hub/hub-auth";
import { profileGates } from "../components/hub/groups";
import { WorkbenchConfig } from "../stacks/schema";
import type { Plan } from "../plan/types";
import { input, ofType, runPlan, variantStackFile } from "./harness";
import { DASK_GATEWAY_OPTIONS_STUB, hasPython, hubConfigPreamble, runHubPython } from "./hub-python";
import { at } from "./k8s-checks";

/*
 * Who gets what on the hub, run in Python as the hub runs it: a squatted preset name is taken back, a GPU profile
 * gated by a group is neither offered to nor startable by a non-member, and a person's n+1th GPU server is refused.
 */

type Users = WorkbenchConfig["users"];
const native: WorkbenchConfig["auth"] = { type: "native", githubOrganizations: [] };

function values(users: Users, gates: Record<string, string[]> = {}, auth: WorkbenchConfig["auth"] = native): HubAuthValues {
    return hubAuthValues({ auth, users, presetPasswordsSecret: "hub-initial-passwords", profileGates: gates, domain: "hub.example.org", githubClientSecret: { name: "s", key: "k" } });
}

/** The spawner-side fakes: JupyterHub 5.5's User (groups, all_spawners) and Spawner (user_options, active). */
const SPAWNER_FAKES = `
import logging
class Group:
    def __init__(self, name): self.name = name
class User:
    def __init__(self, name, groups=()):
        self.name, self.groups, self.servers = name, [Group(g) for g in groups], []
    def all_spawners(self, include_default=True):
        return iter(self.servers)
class Spawner:
    def __init__(self, user, profile=None, active=False):
        self.user, self.active, self.log = user, active, logging.getLogger("spawner")
        self.user_options = {"profile": profile} if profile else {}
        user.servers.append(self)

def kubespawner_profile(spawner, profile_list):
    """What KubeSpawner 7.0.0's load_user_options does with user_options["profile"]: evaluate a callable
    profile_list with the spawner, then _get_profile (spawner.py: the default profile for no slug, else the
    profile with that slug, else ValueError "No such profile")."""
    if callable(profile_list):
        profile_list = profile_list(spawner)
    slug = spawner.user_options.get("profile")
    if not slug:
        return next(p for p in profile_list if p.get("default"))
    for p in profile_list:
        if p["slug"] == slug:
            return p
    raise ValueError("No such profile: %s. Options include: %s" % (slug, ", ".join(p["slug"] for p in profile_list)))
`;

const PROFILES = [
    { slug: "cpu-small", display_name: "Small", default: true, kubespawner_override: {} },
    { slug: "gpu-t4", display_name: "GPU · T4", kubespawner_override: { extra_resource_limits: { "nvidia.com/gpu": "1" } } },
    { slug: "gpu-a100", display_name: "GPU · A100", kubespawner_override: { extra_resource_limits: { "nvidia.com/gpu": "1" } } },
];

describe("hub: a preset name someone signed up under first is taken back at start", () => {
    before(function () {
        if (!hasPython()) this.skip();
    });

    /** Runs the workbench's authenticator's start against rows in the fake database; prints the rows and the log. */
    function startWith(rows: string): { rows: Array<{ username: string; authorized: boolean; bobPassword: boolean; malloryPassword: boolean; email: string | null; has2fa: boolean }>; warnings: string[]; commits: number } {
        const auth = values({ admins: ["alice"], allowed: ["Bob"] });
        const config = JSON.stringify(auth.config[PRESET_AUTHENTICATOR.className]);
        const script = `
import bcrypt, json, logging
from nativeauthenticator.orm import UserInfo, FakeSession
from traitlets.config import Config
from ${PRESET_AUTHENTICATOR.module} import ${PRESET_AUTHENTICATOR.className}
records = []
class Capture(logging.Handler):
    def emit(self, record): records.append(record)
log = logging.getLogger("hub"); log.addHandler(Capture()); log.setLevel(logging.DEBUG)
db = FakeSession(${rows})
authenticator = ${PRESET_AUTHENTICATOR.className}(config=Config({"${PRESET_AUTHENTICATOR.className}": json.loads(${JSON.stringify(config)})}), db=db, log=log)
print(json.dumps({
    "rows": [{"username": r.username, "authorized": bool(r.is_authorized), "bobPassword": bcrypt.checkpw(b"bob-generated-password", r.password),
              "malloryPassword": bcrypt.checkpw(b"mallory-chose-this", r.password), "email": r.email, "has2fa": r.has_2fa} for r in db.rows],
    "warnings": [r.getMessage() for r in records if r.levelno == logging.WARNING],
    "commits": db.commits,
}))
`;
        const env = { WORKBENCH_PRESET_PASSWORD_0: "alice-generated-password", WORKBENCH_PRESET_PASSWORD_1: "bob-generated-password" };
        return JSON.parse(runHubPython(auth.extraFiles, script, env)) as ReturnType<typeof startWith>;
    }

    it("an unauthorized row under a preset name becomes the preset account (generated password, authorized) and the log names it", () => {
        const result = startWith(`[UserInfo(username="bob", password=bcrypt.hashpw(b"mallory-chose-this", bcrypt.gensalt()), email="mallory@example.org", has_2fa=True)]`);
        const bob = result.rows.filter((row) => row.username === "bob");
        assert.equal(bob.length, 1, "one row for bob");
        assert.equal(bob[0].authorized, true);
        assert.equal(bob[0].bobPassword, true, "the generated password signs bob in");
        assert.equal(bob[0].malloryPassword, false, "the squatter's password does not");
        assert.equal(bob[0].email, null, "nothing of the squatter's sign-up is kept");
        assert.equal(bob[0].has2fa, false);
        assert.equal(result.warnings.length, 1);
        assert.match(result.warnings[0], /Preset account bob: someone signed up under this name/);
        assert.ok(result.rows.some((row) => row.username === "alice" && row.authorized), "the other preset account is created as before");
        assert.ok(result.commits >= 1);
    });

    it("an authorized row is the person's own account: kept with the password they chose, no warning", () => {
        const result = startWith(`[UserInfo(username="bob", password=bcrypt.hashpw(b"mallory-chose-this", bcrypt.gensalt()), is_authorized=True)]`);
        const bob = result.rows.filter((row) => row.username === "bob");
        assert.deepEqual(
            bob.map((row) => [row.authorized, row.malloryPassword, row.bobPassword]),
            [[true, true, false]],
        );
        assert.deepEqual(result.warnings, []);
    });
});

describe("hub: groups decide who may start each GPU profile (the profile-list function)", () => {
    before(function () {
        if (!hasPython()) this.skip();
    });

    const users: Users = { admins: ["ada"], allowed: ["bob", "cy"], groups: { "gpu-team": ["ada", "cy"] } };
    const gates = { "gpu-t4": [], "gpu-a100": ["gpu-team"] };

    /** Offered slugs and the outcome of starting `profile`, for a user in `groups`. */
    function asUser(auth: HubAuthValues, groups: string[], profile: string): { offered: string[]; started: string } {
        const script =
            hubConfigPreamble({ profileList: PROFILES, config: auth.config, extraConfig: auth.extraConfig }) +
            SPAWNER_FAKES +
            `
profile_list = c.KubeSpawner.profile_list
user = User("someone", ${JSON.stringify(groups)})
offered = [p["slug"] for p in profile_list(Spawner(user))]
try:
    started = kubespawner_profile(Spawner(User("someone", ${JSON.stringify(groups)}), ${JSON.stringify(profile)}), profile_list)["slug"]
except ValueError as e:
    started = "refused: %s" % e
print(json.dumps({"offered": offered, "started": started}))
`;
        return JSON.parse(runHubPython(auth.extraFiles, script)) as { offered: string[]; started: string };
    }

    it("a non-member is not offered the group's GPU profile and cannot start it through the API; a member can", () => {
        const auth = values(users, gates);
        const outsider = asUser(auth, [], "gpu-a100");
        assert.deepEqual(outsider.offered, ["cpu-small", "gpu-t4"]);
        assert.match(outsider.started, /^refused: No such profile: gpu-a100/);
        const member = asUser(auth, ["gpu-team"], "gpu-a100");
        assert.deepEqual(member.offered, ["cpu-small", "gpu-t4", "gpu-a100"]);
        assert.equal(member.started, "gpu-a100");
        assert.equal(asUser(auth, [], "gpu-t4").started, "gpu-t4", "a pool without groups is everyone's");
    });

    it("the configured groups reach JupyterHub (load_groups) with native sign-in", () => {
        const auth = values(users, gates);
        assert.deepEqual(at(auth.config, "JupyterHub", "load_groups"), { "gpu-team": { users: ["ada", "cy"] } });
    });

    it("with GitHub, teams and configured groups come from the login (manage_groups; no load_groups, which JupyterHub 5.5 refuses beside it)", () => {
        const github: WorkbenchConfig["auth"] = { type: "github", githubClientId: "Iv1.abc", githubOrganizations: [] };
        const auth = values({ admins: ["ada"], allowed: [], groups: { reviewers: ["Octo"] } }, { "gpu-a100": ["acme:ml"] }, github);
        assert.equal(at(auth.config, "GitHubOAuthenticator", "manage_groups"), true);
        assert.equal(at(auth.config, "GitHubOAuthenticator", "populate_teams_in_auth_state"), true);
        assert.deepEqual(at(auth.config, "GitHubOAuthenticator", "scope"), ["read:org"], "teams are listed only with read:org");
        assert.equal(at(auth.config, "JupyterHub", "load_groups"), undefined);
        // the auth_state GitHubOAuthenticator 17.4 builds: github_user from /user, teams from /user/teams
        const script =
            hubConfigPreamble({ config: auth.config, extraConfig: auth.extraConfig }) +
            `print(json.dumps(c.GitHubOAuthenticator.auth_state_groups_key({"github_user": {"login": "octo"}, "teams": [{"slug": "ML", "organization": {"login": "Acme"}}]})))`;
        assert.deepEqual(JSON.parse(runHubPython(auth.extraFiles, script)), ["acme:ml", "reviewers"]);
    });
});

describe("hub: fair use, per-person limits enforced when a server starts", () => {
    before(function () {
        if (!hasPython()) this.skip();
    });

    /** Starts `profile` for a person already running `running` (profile slugs); returns "started" or the refusal. */
    function start(limits: Users["limits"], running: string[], profile: string): string {
        const auth = values({ admins: ["ada"], allowed: [], limits }, { "gpu-t4": [], "gpu-a100": [] });
        const script =
            hubConfigPreamble({ profileList: PROFILES, config: auth.config, extraConfig: auth.extraConfig }) +
            SPAWNER_FAKES +
            `
user = User("ada")
for slug in ${JSON.stringify(running)}:
    Spawner(user, slug, active=True)
Spawner(user, "cpu-small", active=False)  # a stopped server counts for nothing
starting = Spawner(user, ${JSON.stringify(profile)}, active=True)  # JupyterHub marks it pending before the hook
try:
    c.KubeSpawner.pre_spawn_hook(starting)
    print(json.dumps("started"))
except Exception as e:
    print(json.dumps("%s: %s" % (type(e).__name__, getattr(e, "jupyterhub_message", e))))
`;
        return JSON.parse(runHubPython(auth.extraFiles, script)) as string;
    }

    const limits = { servers: 3, gpuServers: 2, daskWorkers: 8, daskCores: 16 };

    it("refuses the n+1th GPU server with a message naming the limit, and allows the nth", () => {
        assert.equal(start(limits, ["gpu-t4"], "gpu-a100"), "started");
        assert.match(start(limits, ["gpu-t4", "gpu-a100"], "gpu-t4"), /^FairUseRefused: You already run 2 GPU server\(s\); the limit per person is 2 \(workbench:users\.limits\.gpuServers\)/);
        assert.equal(start(limits, ["gpu-t4", "gpu-a100"], "cpu-small"), "started", "a CPU server is not a GPU server");
    });

    it("refuses a server beyond the running-server limit", () => {
        assert.match(start(limits, ["cpu-small", "cpu-small", "gpu-t4"], "cpu-small"), /limit per person is 3 \(workbench:users\.limits\.servers\)/);
    });

    it("more than one server turns on named servers, capped at the limit", () => {
        const auth = values({ admins: ["ada"], allowed: [], limits });
        assert.equal(at(auth.config, "JupyterHub", "allow_named_servers"), true);
        assert.equal(at(auth.config, "JupyterHub", "named_server_limit_per_user"), 3);
        assert.equal(at(values({ admins: ["ada"], allowed: [] }).config, "JupyterHub", "allow_named_servers"), undefined, "one server by default");
    });

    it("a pre-spawn hook configured earlier still runs after the check", () => {
        const auth = values({ admins: ["ada"], allowed: [] }, { "gpu-t4": [] });
        const script =
            `import json\nfrom traitlets.config import Config\nc = Config()\nc.KubeSpawner.pre_spawn_hook = lambda spawner: print(json.dumps("earlier hook ran"))\n` +
            hubConfigPreamble({ config: auth.config, extraConfig: auth.extraConfig }).replace("c = Config()", "") +
            SPAWNER_FAKES +
            `c.KubeSpawner.pre_spawn_hook(Spawner(User("ada"), "gpu-t4", active=True))`;
        assert.equal(JSON.parse(runHubPython(auth.extraFiles, script)), "earlier hook ran");
    });
});

describe("hub: groups and limits through the offline plan", () => {
    let plan: Plan;
    before(async function () {
        this.timeout(120_000);
        const run = await runPlan(
            "aws",
            {
                stackFile: variantStackFile("aws", {
                    "workbench:users": { admins: ["alice"], allowed: ["bob"], groups: { "gpu-team": ["alice"] }, limits: { gpuServers: 1, servers: 2, daskWorkers: 2, daskCores: 5 } },
                    "workbench:gpuPools": [{ name: "t4", gpu: "t4", minNodes: 0, maxNodes: 1, groups: ["gpu-team"] }],
                }),
            },
        );
        assert.equal(run.status, 0, run.stderr);
        plan = run.document;
    });

    it("the hub's release carries the gated profile list and the limits; a non-member cannot start the GPU profile", function () {
        if (!hasPython()) this.skip();
        const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "jupyterhub");
        assert.ok(release);
        const hubValues = release.inputs["values"] as Record<string, unknown>;
        const hub = at(hubValues, "hub") as { config: Record<string, unknown>; extraConfig: Record<string, string>; extraFiles: HubAuthValues["extraFiles"] };
        const profileList = at(hubValues, "singleuser", "profileList");
        // the entries of groups and fair use (the others need the hub's environment: service tokens, templates)
        const extraConfig = Object.fromEntries(Object.entries(hub.extraConfig).filter(([key]) => /workbench-(profile-groups|fair-use)/.test(key)));
        assert.equal(Object.keys(extraConfig).length, 2);
        const script =
            hubConfigPreamble({ profileList, config: hub.config, extraConfig }) +
            SPAWNER_FAKES +
            `
outsider, member = User("bob"), User("alice", ["gpu-team"])
print(json.dumps({
    "outsider": [p["slug"] for p in c.KubeSpawner.profile_list(Spawner(outsider))],
    "member": [p["slug"] for p in c.KubeSpawner.profile_list(Spawner(member))],
    "namedServers": c.JupyterHub.named_server_limit_per_user,
}))
`;
        const result = JSON.parse(runHubPython(hub.extraFiles, script)) as { outsider: string[]; member: string[]; namedServers: number };
        assert.ok(result.member.includes("gpu-t4"));
        assert.ok(!result.outsider.includes("gpu-t4"));
        assert.ok(result.outsider.length > 0, "the CPU profiles stay everyone's");
        assert.equal(result.namedServers, 2);
    });

    it("Dask Gateway caps every cluster at the per-person limits, below what the pool could hold (the options handler, in Python)", function () {
        if (!hasPython()) this.skip();
        const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "dask-gateway");
        assert.ok(release, "the shipped AWS stack runs Dask Gateway");
        const config = Object.values(at(release.inputs["values"], "gateway", "extraConfig") as Record<string, string>).join("\n");
        // dask_gateway_server.options stubbed; the handler's overrides are ClusterConfig traits (2026.3.0:
        // cluster_max_workers, cluster_max_cores), which the gateway combines at runtime
        const script = `
${DASK_GATEWAY_OPTIONS_STUB}
from traitlets.config import Config
c = Config()
c.KubeClusterConfig.worker_extra_pod_config = {}
c.KubeClusterConfig.worker_extra_container_config = {}
exec(${JSON.stringify(config)})
data = _workbench
print(json.dumps({name: c.Backend.cluster_options.handler(types.SimpleNamespace(worker_pool=name, worker_cores=0.5, worker_memory=1)) for name in data["pools"]}))
`;
        const overrides = JSON.parse(runHubPython({}, script)) as Record<string, { cluster_max_workers: number; cluster_max_cores: number }>;
        assert.ok(Object.keys(overrides).length >= 2, "the CPU pool and the GPU pool");
        for (const [pool, o] of Object.entries(overrides)) {
            assert.ok(o.cluster_max_workers <= 2, `${pool}: at most 2 workers`);
            assert.equal(o.cluster_max_cores, 5, `${pool}: at most 5 cores`);
        }
        assert.equal(overrides[Object.keys(overrides)[0]].cluster_max_workers, 2, "a half-core worker on the CPU pool: the pool could hold more than 2");
    });
});

describe("hub: gates by profile slug", () => {
    it("every configured GPU pool has a gate under its profile's slug (empty: everyone)", () => {
        assert.deepEqual(profileGates([{ name: "t4", groups: undefined }, { name: "a100", groups: ["ml"] }]), { "gpu-t4": [], "gpu-a100": ["ml"] });
    });
});
