"""Refuse API requests another site's page makes with the browser's cached credentials.

A browser that holds Basic credentials for the webserver sends them with any request a
page makes to it, whichever site the page comes from: an ``<img>`` pointing at
``/api/experimental/dags/<id>/paused/false`` unpauses a DAG, a no-cors ``text/plain``
POST creates a pool. Browsers say where such a request comes from: ``Sec-Fetch-Site``
(``cross-site`` or ``same-site``) and ``Origin``. Scripts and curl send neither, so the
API's contract for them is unchanged; a request that carries them and comes from
elsewhere gets 403. The interactive docs stay reachable from a link: they change nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from tradewind.api.middleware import API_PREFIX

REFUSED_FETCH_SITES = frozenset({"cross-site", "same-site"})
DOCS_PREFIX = f"{API_PREFIX}/docs"


class CrossSiteRefusal:
    """ASGI middleware: 403 for API requests a browser made on another site's behalf."""

    def __init__(self, app: ASGIApp, base_url: str, prefix: str = API_PREFIX) -> None:
        self.app = app
        self.prefix = prefix
        self.base_origin = origin_of(base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._guarded(scope):
            reason = self._refusal(scope)
            if reason is not None:
                await JSONResponse({"error": reason}, 403)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _guarded(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if not path.startswith(self.prefix):
            return False
        return not (scope["method"] in ("GET", "HEAD") and path.startswith(DOCS_PREFIX))

    def _refusal(self, scope: Scope) -> str | None:
        """Why the request is refused, or None when nothing says it comes from elsewhere."""
        headers = Headers(scope=scope)
        site = headers.get("sec-fetch-site", "").lower()
        if site in REFUSED_FETCH_SITES:
            return (
                f"The API refuses requests a browser makes from another site "
                f"(Sec-Fetch-Site: {site})"
            )
        origin = headers.get("origin")
        if origin is not None and origin_of(origin) not in self._own_origins(scope, headers):
            return f"The API refuses requests a browser makes from another origin ({origin})"
        return None

    def _own_origins(self, scope: Scope, headers: Headers) -> set[str]:
        """[webserver] base_url's origin, and the one the browser addressed."""
        own = {self.base_origin}
        host = headers.get("host")
        if host:
            own.add(origin_of(f"{scope.get('scheme', 'http')}://{host}"))
        return own


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` as a browser writes ``Origin`` (no default port);
    ``null`` and anything unparsable come back as they are, matching no origin."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url
    if not parts.scheme or not parts.hostname:
        return url
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return f"{parts.scheme.lower()}://{host}"
