/*
 * The hub's sign-in in front of a service that has none of its own (MLflow, the Argo server, a served model or
 * app): a small proxy with JupyterHub's service-auth library (from the hub image) that lets through only users
 * signed in to the hub (the UI's cookie) or presenting their hub token (`Authorization: Bearer`; JupyterHub 5.5.1
 * services/auth.py `auth_header_pat` takes `token` or `bearer`, and a token-authenticated request skips the XSRF
 * check), holding access to the service, and forwards their requests to the server on localhost. What differs per
 * service is where a path lands upstream and, for the Argo server, a rewrite of the request body.
 */

/** What one service's proxy adds to the common part. */
export interface SignInProxySpec {
    /** The upstream server's port on localhost. */
    upstreamPort: number;
    /** The proxy's own port: the hub's proxy forwards `/services/<name>/` to it. */
    port: number;
    /** Imports besides `os`, JupyterHub's and tornado's (e.g. `json`, `re`). */
    imports?: readonly string[];
    /**
     * Python after the common constants (`PREFIX`, `UPSTREAM`, `DROP`): must define `upstream_path(uri)`; may
     * redefine `stamp(method, path, body, user)`, which returns the body to forward and an error (status, message)
     * or None.
     */
    definitions: string;
}

/** The proxy's Python source (its pure functions are run in the tests with fakes of JupyterHub and tornado). */
export function signInProxyScript(spec: SignInProxySpec): string {
    const imports = [...(spec.imports ?? []), "os"].sort().map((module) => `import ${module}`);
    return `${imports.join("\n")}
from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import httpclient, ioloop, web

PREFIX = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
UPSTREAM = "http://127.0.0.1:${spec.upstreamPort}"
DROP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length", "cookie", "authorization"}


def stamp(method, path, body, user):
    """The body to forward as it came, and no error (a service may redefine this below)."""
    return body, None


${spec.definitions.trim()}


class Proxy(HubOAuthenticated, web.RequestHandler):
    @web.authenticated
    async def forward(self, *args):
        method = self.request.method
        path = upstream_path(self.request.uri)
        body, error = stamp(method, path.split("?")[0], self.request.body, self.current_user["name"])
        if error:
            raise web.HTTPError(*error)
        request = httpclient.HTTPRequest(
            UPSTREAM + path,
            method=method,
            headers={k: v for k, v in self.request.headers.get_all() if k.lower() not in DROP},
            body=body if method in ("POST", "PUT", "PATCH") else None,
            allow_nonstandard_methods=True,
            follow_redirects=False,
            request_timeout=300,
        )
        response = await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        self.set_status(response.code, response.reason)
        for k, v in response.headers.get_all():
            if k.lower() not in DROP:
                self.add_header(k, v)
        if response.body:
            self.write(response.body)

    get = post = put = patch = delete = forward


if __name__ == "__main__":
    web.Application(
        [(url_path_join(PREFIX, "oauth_callback"), HubOAuthCallbackHandler), (PREFIX + ".*", Proxy)],
        cookie_secret=os.urandom(32),
    ).listen(${spec.port})
    ioloop.IOLoop.current().start()
`;
}
