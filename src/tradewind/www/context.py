"""What every UI handler needs: config, database, templates, the session signer.

One :class:`UiContext` is built by :func:`tradewind.www.app.create_ui_router` and reached
from handlers as ``ui(request)``; handlers stay plain functions of the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from starlette.requests import Request

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.operations.logins import ThrottledLogins
from tradewind.www.session import SessionSigner
from tradewind.www.session_check import SessionCheck

UI_CONTEXT_KEY = "tradewind_ui"
ANONYMOUS_ACTOR = "webserver"


@dataclass
class UiContext:
    config: Config
    database: Database
    templates: Environment
    signer: SessionSigner
    authenticate: bool
    sessions: SessionCheck
    logins: ThrottledLogins
    secure_cookie: bool = False
    grid_runs: int = 25
    dags_per_page: int = 50


def ui(request: Request) -> UiContext:
    return request.scope[UI_CONTEXT_KEY]


def session_of(request: Request) -> dict[str, Any]:
    return request.scope["tradewind_session"]


def actor(request: Request) -> str:
    """Who the audit log records: the logged-in user, or the webserver itself when open."""
    return session_of(request).get("user") or ANONYMOUS_ACTOR


def flash(request: Request, message: str, category: str = "info") -> None:
    """A message shown once on the next page (kept in the session cookie)."""
    session_of(request).setdefault("flashes", []).append([category, message[:500]])
