import { signInProxyScript } from "../hub/sign-in-proxy";

/*
 * The Argo server's sign-in proxy: a sidecar in the server's pod, like MLflow's (components/services/mlflow.ts),
 * with JupyterHub's service-auth library from the hub image. It lets through only users signed in to the hub (the
 * UI's cookie) or presenting their hub token (Hera sends `Authorization: Bearer <token>`: hera/workflows/service.py
 * `format_token`), to the Argo server on localhost, which runs with `--auth-mode=server` and is reached by no pod.
 *
 * Argo's own SSO would need an OIDC provider the hub is not; instead the proxy tells the server who submitted what:
 * on every create or submit it stamps the signed-in user's name on the object as the label
 * {@link SUBMITTED_BY_LABEL} (Argo's own `workflows.argoproj.io/creator` labels come from SSO claims and are removed
 * without them: argo-workflows util/creator), and it refuses any namespace but the workflows' own.
 */

/** The Argo server's port (the chart's `server.servicePort`); only the proxy beside it calls it. */
export const ARGO_SERVER_PORT = 2746;
/** The sign-in proxy's port: the hub's proxy forwards `/services/workflows/` to it; notebooks call the API through it. */
export const WORKFLOWS_PROXY_PORT = 8000;
/** The hub service's prefix: the UI lives under it (`server.baseHref`), the proxy strips it for the server. */
export const WORKFLOWS_PREFIX = "/services/workflows";
/** The label naming who submitted a workflow, a cron workflow or a template, set by the proxy. */
export const SUBMITTED_BY_LABEL = "workbench.io/submitted-by";

/**
 * The proxy. `upstream_path` strips the prefix (the Argo server serves at its root; `baseHref` only changes the
 * UI's links). `stamp` is the body rewrite for creates: pure, so it is tested by running it here.
 */
export const WORKFLOWS_PROXY = signInProxyScript({
    upstreamPort: ARGO_SERVER_PORT,
    port: WORKFLOWS_PROXY_PORT,
    imports: ["json", "re"],
    definitions: `
NAMESPACE = os.environ["WORKFLOWS_NAMESPACE"]
LABEL = "${SUBMITTED_BY_LABEL}"
# the API's collections, by the body key holding the object (argo-workflows pkg/apiclient/*.proto)
OBJECT_KEY = {"workflows": "workflow", "cron-workflows": "cronWorkflow", "workflow-templates": "template"}
API = re.compile(r"^/api/v1/(workflows|cron-workflows|workflow-templates|archived-workflows|workflow-events|event-sources|sensors|info|userinfo|version|stream)(/([^/?]*))?")


def upstream_path(uri):
    """Where the Argo server serves a proxied path: at its root."""
    if uri.startswith(PREFIX):
        return "/" + uri[len(PREFIX):]
    return uri


def label_value(user):
    """A user name as a label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric."""
    value = re.sub(r"[^A-Za-z0-9._-]", "_", user)[:63].strip("._-")
    return value or "unknown"


def namespace_of(path):
    """The namespace a namespaced API path names, or None for paths that name none."""
    match = API.match(path)
    if not match or match.group(1) in ("info", "userinfo", "version", "archived-workflows"):
        return None
    return match.group(3) or None


def stamp(method, path, body, user):
    """
    The body to forward, or an error (status, message). Creates and submits carry the user's name as LABEL;
    any path naming another namespace is refused.
    """
    namespace = namespace_of(path)
    if namespace is not None and namespace != NAMESPACE:
        return None, (403, "workflows run in the namespace " + NAMESPACE)
    if method != "POST" or not body:
        return body, None
    match = API.match(path)
    if not match:
        return body, None
    collection = match.group(1)
    document = json.loads(body)
    if path.rstrip("/").endswith("/submit") and collection == "workflows":
        options = document.setdefault("submitOptions", {})
        labels = options.get("labels") or ""
        kept = [part for part in labels.split(",") if part and not part.startswith(LABEL + "=")]
        options["labels"] = ",".join(kept + [LABEL + "=" + label_value(user)])
        return json.dumps(document).encode(), None
    key = OBJECT_KEY.get(collection)
    if key and isinstance(document.get(key), dict):
        metadata = document[key].setdefault("metadata", {})
        metadata.setdefault("labels", {})[LABEL] = label_value(user)
        metadata["namespace"] = NAMESPACE
        if collection == "cron-workflows":
            # the workflows a cron workflow starts carry the label too
            spec = document[key].setdefault("spec", {})
            workflow_metadata = spec.setdefault("workflowMetadata", {})
            workflow_metadata.setdefault("labels", {})[LABEL] = label_value(user)
        return json.dumps(document).encode(), None
    return body, None
`,
});
