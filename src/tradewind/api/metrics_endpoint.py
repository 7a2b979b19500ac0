"""``GET /metrics`` in Prometheus' text format, and the request metrics of the webserver.

The numbers are what every emitting process wrote under the home (prometheus-client's
multiprocess files) plus gauges read from the database at this scrape, so every worker
answers the same. Each worker tallies its requests in memory and writes them at most a
second after the first (:mod:`tradewind.observability.tally`), and at once before it
answers a scrape. It takes the API's credentials unless ``[metrics] public = True``.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, FastAPI
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradewind.api.auth.base import (
    AuthBackend,
    Forbidden,
    TooManyRequests,
    Unauthenticated,
    resolve_backend_name,
)
from tradewind.api.experimental._common import blocking
from tradewind.api.experimental.openapi import AUTH_RESPONSES, SECURITY_NAME, SECURITY_SCHEMES
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.observability import catalog, metrics
from tradewind.observability.prometheus import SnapshotCollector, exposition
from tradewind.observability.tally import HistogramTally
from tradewind.operations.metrics import scrape_gauges

PATH = "/metrics"
TEXT = {"text/plain": {"schema": {"type": "string"}}}


def install(app: FastAPI, config: Config, database: Database, backend: AuthBackend) -> None:
    """Add ``/metrics`` (authenticated by ``backend`` unless public) and time every request."""
    public = bool(config.get("metrics", "public"))
    responses: dict[int | str, dict[str, Any]] = {200: {"content": TEXT}}
    extra: dict[str, Any] = {}
    if not public:
        responses.update(AUTH_RESPONSES)
        if resolve_backend_name(str(config.get("api", "auth_backend"))) in SECURITY_SCHEMES:
            extra["security"] = [{SECURITY_NAME: []}]
    router = APIRouter()
    tally = HistogramTally(catalog.HTTP_REQUESTS)

    @router.get(
        PATH,
        response_class=Response,
        responses=responses,
        openapi_extra=extra or None,
        summary="Metrics in Prometheus' text format (scheduler, tries, DAG files, pools, "
        "requests, Celery)",
    )
    async def scrape(request: Request) -> Response:
        if not public and (refused := await _refusal(backend, request)) is not None:
            return refused
        tally.flush()  # this worker's requests so far, this one's excepted
        return Response(
            await blocking(_exposition, config, database), media_type=CONTENT_TYPE_LATEST
        )

    app.include_router(router)
    app.add_middleware(RequestMetrics, tally=tally)


def _exposition(config: Config, database: Database) -> bytes:
    """``metrics.folder()`` is None in an app built in-process (tests, tools) that never
    configured metrics: it serves the database's gauges alone."""
    gauges = SnapshotCollector(lambda: scrape_gauges(database, config))
    return exposition(metrics.folder(), [gauges])


async def _refusal(backend: AuthBackend, request: Request) -> Response | None:
    """The API's answer to a caller it does not accept, else None."""
    try:
        await backend.authenticate(request)
    except Unauthenticated as exc:
        headers = {"WWW-Authenticate": exc.challenge}
        return JSONResponse({"error": exc.message}, status_code=401, headers=headers)
    except Forbidden as exc:
        return JSONResponse({"error": exc.message}, status_code=403)
    except TooManyRequests as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"error": exc.message}, status_code=429, headers=headers)
    return None


class RequestMetrics:
    """Counts and times every HTTP request by its route template (not its path: a path
    holds ids, and a label per id would grow without end). Plain ASGI, for the hot path:
    a request adds to ``tally``, written out at the latest a second later and when the
    worker shuts down."""

    def __init__(self, app: ASGIApp, tally: HistogramTally) -> None:
        self.app = app
        self.tally = tally
        self._prefixes: dict[int, str] = {}  # by id(route): the prefix it was included with

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._flush_at_shutdown(receive), send)
            return
        if scope["type"] != "http" or not metrics.enabled():
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            seconds = time.perf_counter() - started
            self.tally.observe(seconds, self.route_template(scope), scope["method"], str(status))

    def _flush_at_shutdown(self, receive: Receive) -> Receive:
        async def receive_and_flush() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                self.tally.flush()
            return message

        return receive_and_flush

    def route_template(self, scope: Scope) -> str:
        """The matched route's path with its router's prefix
        (``/api/experimental/dags/{dag_id}``); "unmatched" for a 404.

        A route included with a prefix knows only its own part: the prefix is what of the
        request path stands before the part its pattern matches, found once per route.
        """
        route = scope.get("route")
        template = getattr(route, "path", None)
        if template is None:
            return "unmatched"
        prefix = self._prefixes.get(id(route))  # routes live as long as the app
        if prefix is None or not scope["path"].startswith(prefix):
            prefix = self._prefixes[id(route)] = _prefix(route, scope["path"])
        return prefix + template


def _prefix(route: Any, path: str) -> str:
    pattern = getattr(route, "path_regex", None)
    start = 0
    while pattern is not None and start != -1:
        if pattern.match(path[start:]):
            return path[:start]
        start = path.find("/", start + 1)
    return ""
