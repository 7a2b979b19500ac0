"""Exception handlers: errors leave the server as ``{"error": ...}``, never HTML or tracebacks."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match

from tradewind.api.responses import PayloadTooLarge, error
from tradewind.db.outage import database_unavailable, outage_reason
from tradewind.exceptions import BadRequest, DatabaseNotMigrated, NotFound, TradewindException

log = logging.getLogger(__name__)


def install(app: FastAPI) -> None:
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(BadRequest, _bad_request)
    app.add_exception_handler(TradewindException, _tradewind_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(Exception, _server_error)


async def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return error(404, str(exc))


async def _bad_request(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, PayloadTooLarge):
        # Close rather than read the rest of a body that may never end.
        return error(413, str(exc), headers={"Connection": "close"})
    return error(400, str(exc))


async def _tradewind_error(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DatabaseNotMigrated):
        return error(503, str(exc))
    log.error("Request failed: %s", exc)
    return error(500, str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/v1"):
        # A path the /api/v1 mount did not take (e.g. one holding a newline): its errors
        # are still problem JSON.
        from tradewind.api.stable import problems

        return await problems.http_error(request, exc)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        message = f"No such endpoint: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}"
        headers["Allow"] = ", ".join(allowed_methods(request))
    else:
        message = str(exc.detail)
    return error(exc.status_code, message, headers=headers or None)


# Methods a 405 may name; each is tried against the routes, since a route included from a
# router does not show its methods to the app (only whether it matches a request).
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on this path.

    Starlette's own ``Allow`` names only the first route whose path matched, but one path
    is often served by several routes (``GET /pools`` and ``POST /pools``).
    """
    routes = request.app.router.routes
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item.get('msg')}"
        for item in exc.errors()
    )
    return error(400, f"Invalid request: {problems}")


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """An unreachable or read-only database is a 503 the client may retry, not a bug."""
    reason = outage_reason(exc)
    if reason is None:
        return await _server_error(request, exc)
    log.warning(
        "Metadata database unavailable for %s %s: %s", request.method, request.url.path, reason
    )
    return error(503, database_unavailable(reason))


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("Unexpected error serving %s %s", request.method, request.url.path)
    return error(500, f"Internal server error ({type(exc).__name__}); see the webserver log")
