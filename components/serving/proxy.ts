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
export const SERVED_PROXY = `import os
from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import httpclient, ioloop, web

PREFIX = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
UPSTREAM = "http://127.0.0.1:${SERVED_PORT}"
STRIP = os.environ.get("WORKBENCH_STRIP_PREFIX", "true") == "true"
DROP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length", "cookie", "authorization"}


def upstream_path(uri):
    """A model server serves at its root (the prefix stripped); an app told its base path gets the path as is."""
    if STRIP and uri.startswith(PREFIX):
        return "/" + uri[len(PREFIX):]
    return uri


class Proxy(HubOAuthenticated, web.RequestHandler):
    @web.authenticated
    async def forward(self, *args):
        method = self.request.method
        request = httpclient.HTTPRequest(
            UPSTREAM + upstream_path(self.request.uri),
            method=method,
            headers={k: v for k, v in self.request.headers.get_all() if k.lower() not in DROP},
            body=self.request.body if method in ("POST", "PUT", "PATCH") else None,
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
    ).listen(${SERVED_PROXY_PORT})
    ioloop.IOLoop.current().start()
`;
