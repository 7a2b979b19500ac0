"""Authentication of every API request (``/api/experimental``, ``/api/v1``), as plain ASGI
middleware. A refusal under ``/api/v1`` is problem JSON, as Airflow's stable API sends.

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
from tradewind.api.stable import problems
from tradewind.db.outage import database_unavailable, outage_reason

log = logging.getLogger(__name__)

API_PREFIX = "/api/experimental"
STABLE_PREFIX = "/api/v1"
# Readable without credentials, as in Airflow: monitors and load balancers poll it.
PUBLIC_PATHS = frozenset({f"{STABLE_PREFIX}/health"})


class ApiAuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        backend: AuthBackend,
        prefixes: tuple[str, ...] = (API_PREFIX, STABLE_PREFIX),
    ) -> None:
        self.app = app
        self.backend = backend
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(self.prefixes)
            or scope["path"] in PUBLIC_PATHS
        ):
            await self.app(scope, receive, send)
            return
        problem = scope["path"].startswith(STABLE_PREFIX)
        try:
            identity = await self.backend.authenticate(Request(scope, receive))
        except Unauthenticated as exc:
            challenge = [(b"www-authenticate", exc.challenge.encode("latin-1"))]
            await _refuse(send, problem, 401, exc.message, challenge)
            return
        except Forbidden as exc:
            await _refuse(send, problem, 403, exc.message)
            return
        except TooManyRequests as exc:
            retry = [(b"retry-after", b"%d" % exc.retry_after)]
            await _refuse(send, problem, 429, exc.message, retry)
            return
        except Exception as exc:
            await _auth_failed(send, scope["path"], exc, problem)
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


async def _auth_failed(send: Send, path: str, exc: Exception, problem: bool) -> None:
    """The backend could not decide: 503 if the database is away (a client may retry),
    else 500, since that is a bug or a broken backend."""
    reason = outage_reason(exc)
    if reason is not None:
        log.warning("Metadata database unavailable while authenticating %s: %s", path, reason)
        await _refuse(send, problem, 503, database_unavailable(reason))
        return
    log.exception("Auth backend failed on %s", path)
    await _refuse(send, problem, 500, "Authentication failed: see the webserver log")


async def _refuse(
    send: Send,
    problem: bool,
    status: int,
    message: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """The experimental API's ``{"error": ...}`` or, under ``/api/v1``, problem JSON."""
    if not problem:
        await _send_json(send, status, message, headers)
        return
    title = problems.TITLES.get(status, "Too Many Requests" if status == 429 else "Error")
    body = problems.body(status, title, message)
    await _send(send, status, body, problems.MEDIA_TYPE.encode(), headers)


async def _send_json(
    send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": message}).encode()
    await _send(send, status, body, b"application/json", headers)


async def _send(
    send: Send,
    status: int,
    body: bytes,
    media_type: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
