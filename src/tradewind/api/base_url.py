"""Absolute URLs the webserver sends point at ``[webserver] base_url``, not at ``Host``.

Starlette builds the redirect that adds or drops a path's trailing slash from the request's
``Host`` header, so whoever sends the request chooses where the redirect goes (a poisoned
cache or a link through a proxy then sends people elsewhere). Relative redirects are left
alone; an absolute ``Location`` on the requested host is rebuilt on ``base_url``, the
address people use to reach the webserver, or, while ``base_url`` is left at its default,
made relative (the default names port 8080 on localhost, wherever the server really is).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradewind.config import Config


def configured_base_url(config: Config) -> str | None:
    """``[webserver] base_url`` when someone set it; None while it is the default."""
    if config.source("webserver", "base_url") == "default":
        return None
    return str(config.get("webserver", "base_url"))


class BaseUrlRedirects:
    """ASGI middleware: rewrites an absolute ``Location`` on the request's host to base_url
    (to a relative one when ``base_url`` is None)."""

    def __init__(self, app: ASGIApp, base_url: str | None) -> None:
        self.app = app
        self.base_url = (base_url or "").strip().rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        requested_host = Headers(scope=scope).get("host", "")

        async def send_rebased(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, self._rebase(value, requested_host) if name == b"location" else value)
                    for name, value in message.get("headers", [])
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_rebased)

    def _rebase(self, location: bytes, requested_host: str) -> bytes:
        url = urlsplit(location.decode("latin-1"))
        if not url.scheme or url.netloc.lower() != requested_host.lower():
            return location  # relative, or deliberately elsewhere
        rebased = self.base_url + url.path + (f"?{url.query}" if url.query else "")
        return rebased.encode("latin-1")
