import { signInProxyScript } from "../hub/sign-in-proxy";

/*
 * The sign-in proxy in front of a served model or app: the same pattern as MLflow's (components/services/mlflow.ts)
 * with JupyterHub's service-auth library from the hub image, forwarding whatever signed-in users (the hub's cookie,
 * or their hub token as `Authorization: Bearer`) ask for to the server on localhost, the hub's prefix stripped.
 */

/** The proxy's port in each served pod; the hub's proxy forwards `/services/<name>/` to it. */
export const SERVED_PROXY_PORT = 8000;
/** The port every served model or app listens on ($PORT). */
export const SERVED_PORT = 8080;

/** The proxy script; `upstream_path` is pure, so it runs here in a test. */
export const SERVED_PROXY = signInProxyScript({
    upstreamPort: SERVED_PORT,
    port: SERVED_PROXY_PORT,
    definitions: `
STRIP = os.environ.get("WORKBENCH_STRIP_PREFIX", "true") == "true"


def upstream_path(uri):
    """A model server serves at its root (the prefix stripped); an app told its base path gets the path as is."""
    if STRIP and uri.startswith(PREFIX):
        return "/" + uri[len(PREFIX):]
    return uri
`,
});
