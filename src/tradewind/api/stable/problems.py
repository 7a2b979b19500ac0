"""Errors of ``/api/v1`` as Airflow 2 sends them: a problem JSON body (RFC 7807).

Every error leaves the stable API as ``{"type", "title", "status", "detail"}`` with the
media type ``application/problem+json``, so the official client's ``ApiException`` and
scripts that read ``detail`` see what Airflow would send. ``type`` is the link to the
section of Airflow's reference naming the error kind (``NotFound``, ``BadRequest``...).

Handlers raise our own exceptions (``NotFound``, ``BadRequest`` from operations) or a
:class:`Problem` for answers the operations layer has no word for (409 ``AlreadyExists``).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tradewind.api.responses import PayloadTooLarge
from tradewind.db.outage import database_unavailable, outage_reason
from tradewind.exceptions import (
    BadRequest,
    DagNotFound,
    DagRunAlreadyExists,
    DagRunNotFound,
    DatabaseNotMigrated,
    NotFound,
    TaskNotFound,
    TradewindException,
)

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
# The Airflow release whose reference names the error kinds (the API's version).
ERRORS_LINK = (
    "https://airflow.apache.org/docs/apache-airflow/2.10.5/stable-rest-api-ref.html#section/Errors/"
)

# Airflow's error kinds, by status.
KINDS = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "PermissionDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "AlreadyExists",
    413: "RequestTooLarge",
    500: "Unknown",
    503: "Unknown",
}
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(Exception):
    """An answer a handler gives in Airflow's words: ``raise Problem(409, "...", title=...)``."""

    def __init__(
        self,
        status: int,
        detail: str | None,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title or TITLES.get(status, ""))
        self.status = status
        self.detail = detail
        self.title = title or TITLES.get(status, "Error")
        self.headers = headers


def body(status: int, title: str, detail: str | None) -> bytes:
    """The problem JSON document; also what the auth middleware sends for a 401."""
    document: dict[str, Any] = {
        "detail": detail,
        "status": status,
        "title": title,
        "type": ERRORS_LINK + KINDS.get(status, "Unknown"),
    }
    return json.dumps(document).encode()


def problem(
    status: int,
    detail: str | None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        body(status, title or TITLES.get(status, "Error"), detail),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    """Register the handlers on the stable API's own app (mounted at ``/api/v1``)."""
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(BadRequest, _bad_request)
    app.add_exception_handler(TradewindException, _tradewind_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(Exception, _server_error)


# Airflow's titles for what was not found, so a client matching on them keeps working.
NOT_FOUND_TITLES: tuple[tuple[type[NotFound], str], ...] = (
    (DagNotFound, "DAG not found"),
    (DagRunNotFound, "DAGRun not found"),
    (TaskNotFound, "Task not found"),
)


async def _problem(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return problem(exc.status, exc.detail, exc.title, exc.headers)


async def _not_found(_request: Request, exc: Exception) -> Response:
    title = next((t for kind, t in NOT_FOUND_TITLES if isinstance(exc, kind)), "Not Found")
    return problem(404, str(exc), title)


async def _bad_request(_request: Request, exc: Exception) -> Response:
    if isinstance(exc, PayloadTooLarge):
        return problem(413, str(exc), headers={"Connection": "close"})
    if isinstance(exc, DagRunAlreadyExists):
        return problem(409, str(exc), "DAGRun already exists")
    return problem(400, str(exc))


async def _tradewind_error(_request: Request, exc: Exception) -> Response:
    if isinstance(exc, DatabaseNotMigrated):
        return problem(503, str(exc))
    log.error("Request failed: %s", exc)
    return problem(500, str(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        detail = f"No such endpoint: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        detail = f"Method {request.method} is not allowed on {request.url.path}"
        headers["Allow"] = ", ".join(allowed_methods(request))
    else:
        detail = str(exc.detail)
    return problem(exc.status_code, detail, headers=headers or None)


def allowed_methods(request: Request) -> list[str]:
    """The methods the document gives the most specific path matching this one:
    ``/dags/~/dagRuns/list`` is the batch list (POST), not a run called "list" of a DAG
    called "~" (whose GET, PATCH and DELETE the routes would also take)."""
    from tradewind.api.stable.openapi import document

    root = request.scope.get("root_path", "")
    path = request.scope["path"]
    path = path[len(root) :] if root and path.startswith(root) else path
    best: tuple[int, list[str]] | None = None
    for template, operations in document(request.app).get("paths", {}).items():
        if _template_regex(template).fullmatch(path):
            rank = template.count("{")
            if best is None or rank < best[0]:
                best = (rank, sorted(method.upper() for method in operations))
    return best[1] if best is not None else []


@functools.lru_cache(maxsize=512)
def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)))


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    detail = "; ".join(
        f"{item.get('msg')} - {'.'.join(str(part) for part in item.get('loc', ()))}"
        for item in exc.errors()
    )
    return problem(400, detail)


async def _database_error(request: Request, exc: Exception) -> Response:
    """An unreachable or read-only database is a 503 the client may retry, not a bug."""
    reason = outage_reason(exc)
    if reason is None:
        return await _server_error(request, exc)
    log.warning("Metadata database unavailable for %s %s: %s", request.method, request.url, reason)
    return problem(503, database_unavailable(reason))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("Unexpected error serving %s %s", request.method, request.url.path)
    return problem(500, f"Internal server error ({type(exc).__name__}); see the webserver log")
