import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "./harness";

/*
 * Runs the hub-side Python the workbench mounts into the hub (hub.extraFiles, hub.extraConfig) here, against
 * small fakes of exactly the APIs it calls: NativeAuthenticator 1.3.0 (its `UserInfo` rows, `self.db`,
 * `normalize_username`), bcrypt, and JupyterHub 5.5's user and spawner objects. traitlets is the real one
 * (python3 here carries it), as in the hub. z2jh 4.4.0's jupyterhub_config.py sets `c.KubeSpawner.profile_list`
 * from `singleuser.profileList`, loads `hub.config`, then runs `hub.extraConfig` entries in key order: so does
 * {@link hubConfigPreamble}.
 */

/**
 * Python that stands in for `dask_gateway_server.options` (2026.3.0's Options, Float, Select), so Dask Gateway's
 * extraConfig can run here and its options handler be called as the gateway calls it; imports json, sys, types.
 */
export const DASK_GATEWAY_OPTIONS_STUB = `import json, sys, types
options_module = types.ModuleType("dask_gateway_server.options")
class _Field:
    def __init__(self, name, *args, **kwargs): self.name, self.kwargs = name, kwargs
class Options:
    def __init__(self, *fields, handler=None): self.fields, self.handler = fields, handler
options_module.Float = options_module.Select = _Field
options_module.Options = Options
sys.modules["dask_gateway_server"] = types.ModuleType("dask_gateway_server")
sys.modules["dask_gateway_server.options"] = options_module`;

/** python3 is here (the tests that need it skip otherwise). */
export function hasPython(): boolean {
    return spawnSync("python3", ["--version"]).status === 0;
}

/** Fakes of the libraries the hub modules import, as files of a folder put first on the Python path. */
const FAKES: Record<string, string> = {
    // bcrypt: hashpw(password, salt) returns salt + digest, and hashpw(password, hashed) recomputes with hashed's salt
    "bcrypt.py": `import hashlib, os
def gensalt():
    return b"$fake$" + os.urandom(8).hex().encode() + b"$"
def hashpw(password, salt):
    salt = salt[: salt.rindex(b"$") + 1]
    return salt + hashlib.sha256(salt + password).hexdigest().encode()
def checkpw(password, hashed):
    return hashpw(password, hashed) == hashed
`,
    "nativeauthenticator/__init__.py": `from traitlets.config import LoggingConfigurable
class NativeAuthenticator(LoggingConfigurable):
    """NativeAuthenticator 1.3.0's surface the workbench's subclass uses: self.db (JupyterHub's session) and normalize_username."""
    def __init__(self, *args, db=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.db = db
    def normalize_username(self, username):
        return username.lower()
`,
    // UserInfo as nativeauthenticator/orm.py 1.3.0 declares it; find(db, name) is its first row with that name
    "nativeauthenticator/orm.py": `import base64, os
class UserInfo:
    def __init__(self, username, password, is_authorized=False, email=None, has_2fa=False, login_email_sent=False, otp_secret=None):
        self.username, self.password, self.is_authorized = username, password, is_authorized
        self.email, self.has_2fa, self.login_email_sent = email, has_2fa, login_email_sent
        self.otp_secret = otp_secret or base64.b32encode(os.urandom(10)).decode("utf-8")
    @classmethod
    def find(cls, db, username):
        return next((row for row in db.rows if row.username == username), None)

class FakeSession:
    """The calls the module makes of SQLAlchemy's Session (autoflush: a query sees what was added or deleted)."""
    def __init__(self, rows=()):
        self.rows, self.commits = list(rows), 0
    def add(self, row):
        self.rows.append(row)
    def delete(self, row):
        self.rows.remove(row)
    def commit(self):
        self.commits += 1
`,
};

/**
 * Python that sets up `c` as z2jh's jupyterhub_config.py has it when `hub.extraConfig` runs: the profile list
 * from `singleuser.profileList`, then `hub.config`, then each extraConfig entry in key order.
 */
export function hubConfigPreamble(values: { profileList?: unknown; config?: Record<string, unknown>; extraConfig?: Record<string, string> }): string {
    const entries = Object.entries(values.extraConfig ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    return [
        "import json",
        "from traitlets.config import Config",
        "c = Config()",
        ...(values.profileList !== undefined ? [`c.KubeSpawner.profile_list = json.loads(${JSON.stringify(JSON.stringify(values.profileList))})`] : []),
        `for _section, _cfg in json.loads(${JSON.stringify(JSON.stringify(values.config ?? {}))}).items():`,
        "    c[_section].update(_cfg)",
        ...entries.map(([key, code]) => `exec(compile(${JSON.stringify(code)}, ${JSON.stringify(`extraConfig ${key}`)}, "exec"))`),
        "",
    ].join("\n");
}

/** Runs `script` with the hub's modules (files by their mount path's name) and the fakes on the path; returns stdout. */
export function runHubPython(files: Record<string, { mountPath: string; stringData: string }>, script: string, env: Record<string, string> = {}): string {
    const dir = tempDir("hub-python-");
    for (const [name, content] of Object.entries(FAKES)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    for (const file of Object.values(files)) fs.writeFileSync(path.join(dir, path.basename(file.mountPath)), file.stringData);
    const run = spawnSync("python3", ["-c", script], { cwd: dir, env: { ...process.env, ...env, PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: "1" }, encoding: "utf8" });
    fs.rmSync(dir, { recursive: true, force: true });
    if (run.status !== 0) throw new Error(`python3 failed (${run.status}):\n${run.stderr}\n${run.stdout}`);
    return run.stdout;
}
