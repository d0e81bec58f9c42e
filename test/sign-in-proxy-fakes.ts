import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "./harness";

/**
 * A folder holding a sign-in proxy script (components/hub/sign-in-proxy.ts) as `file`, beside small fakes of the hub
 * image's libraries: only what the script imports at module level, so its pure functions run here in python3.
 */
export function signInProxyDir(file: string, script: string): string {
    const dir = tempDir("workbench-sign-in-proxy-");
    const module = (name: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    };
    module("jupyterhub/__init__.py", "");
    module("jupyterhub/services/__init__.py", "");
    module("jupyterhub/services/auth.py", "class HubOAuthCallbackHandler: pass\nclass HubOAuthenticated: pass\n");
    module("jupyterhub/utils.py", "def url_path_join(*parts):\n    return '/'.join(p.strip('/') for p in parts)\n");
    module("tornado/__init__.py", "");
    module("tornado/httpclient.py", "");
    module("tornado/ioloop.py", "");
    module("tornado/web.py", "class RequestHandler: pass\ndef authenticated(f):\n    return f\n");
    module(file, script);
    return dir;
}
