"""Authentication of every ``/api/experimental`` request, as plain ASGI middleware.

Plain ASGI (not ``BaseHTTPMiddleware``) because it runs on every request of the hottest
endpoints: it costs one backend call and, only when the backend asks for it, a wrapped
``send`` that adds response headers.
"""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradewind.api.auth.base import AuthBackend, Forbidden, TooManyRequests, Unauthenticated
from tradewind.db.outage import database_unavailable, outage_reason

log = logging.getLogger(__name__)

API_PREFIX = "/api/experimental"


class ApiAuthMiddleware:
    def __init__(self, app: ASGIApp, backend: AuthBackend, prefix: str = API_PREFIX) -> None:
        self.app = app
        self.backend = backend
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        try:
            identity = await self.backend.authenticate(Request(scope, receive))
        except Unauthenticated as exc:
            await _send_json(
                send, 401, exc.message, [(b"www-authenticate", exc.challenge.encode("latin-1"))]
            )
            return
        except Forbidden as exc:
            await _send_json(send, 403, exc.message)
            return
        except TooManyRequests as exc:
            await _send_json(send, 429, exc.message, [(b"retry-after", b"%d" % exc.retry_after)])
            return
        except Exception as exc:
            await _auth_failed(send, scope["path"], exc)
            return
        scope.setdefault("state", {})["identity"] = identity
        if not identity.response_headers:
            await self.app(scope, receive, send)
            return
        extra = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in identity.response_headers.items()
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _auth_failed(send: Send, path: str, exc: Exception) -> None:
    """The backend could not decide: 503 if the database is away (a client may retry),
    else 500, since that is a bug or a broken backend."""
    reason = outage_reason(exc)
    if reason is not None:
        log.warning("Metadata database unavailable while authenticating %s: %s", path, reason)
        await _send_json(send, 503, database_unavailable(reason))
        return
    log.exception("Auth backend failed on %s", path)
    await _send_json(send, 500, "Authentication failed: see the webserver log")


async def _send_json(
    send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
