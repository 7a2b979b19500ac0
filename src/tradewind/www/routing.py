"""The UI's route class: session, login and CSRF checks wrapped around every handler.

Doing this in a route class (not app-wide middleware) keeps it scoped to the UI's own
routes when they are included in the API's FastAPI app: ``/api/experimental`` keeps its
``[api] auth_backend`` and never sees the UI's cookie.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradewind.exceptions import BadRequest, NotFound
from tradewind.www.context import UI_CONTEXT_KEY, UiContext
from tradewind.www.forms import FormTooLarge, form_data
from tradewind.www.rendering import error_page
from tradewind.www.session import COOKIE_NAME, MAX_AGE_SECONDS

log = logging.getLogger(__name__)

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def public(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a handler reachable without logging in (the login page, static files)."""
    endpoint.ui_public = True  # type: ignore[attr-defined]
    return endpoint


def make_route_class(context: UiContext) -> type[APIRoute]:
    class UiRoute(APIRoute):
        def get_route_handler(self) -> Handler:
            inner = super().get_route_handler()
            is_public = bool(getattr(self.endpoint, "ui_public", False))

            async def handler(request: Request) -> Response:
                return await _handle(request, inner, context, is_public)

            return handler

    return UiRoute


async def _handle(
    request: Request, inner: Handler, context: UiContext, is_public: bool
) -> Response:
    request.scope[UI_CONTEXT_KEY] = context
    cookie = request.cookies.get(COOKIE_NAME)
    session = context.signer.loads(cookie)
    before = json.dumps(session, sort_keys=True) if cookie else None
    session.setdefault("csrf", secrets.token_urlsafe(32))
    request.scope["tradewind_session"] = session

    response = await _guard(request, context, session, is_public)
    if response is None:
        try:
            response = await inner(request)
        except NotFound as exc:
            response = error_page(request, 404, "Not found", str(exc))
        except BadRequest as exc:
            response = error_page(request, 400, "Bad request", str(exc))
        except FormTooLarge as exc:
            response = error_page(request, 413, "Too large", str(exc))

    if json.dumps(session, sort_keys=True) != before:
        response.set_cookie(
            COOKIE_NAME,
            context.signer.dumps(session),
            max_age=MAX_AGE_SECONDS,
            path="/",
            httponly=True,
            secure=context.secure_cookie,
            samesite="lax",
        )
    return response


async def _guard(
    request: Request, context: UiContext, session: dict[str, Any], is_public: bool
) -> Response | None:
    """A response that stops the request (login needed, CSRF failed), or None to go on."""
    if (
        context.authenticate
        and not is_public
        and not await run_in_threadpool(_logged_in, context, session)
    ):
        if request.method in UNSAFE_METHODS:
            return error_page(request, 403, "Log in first", "Your session has ended: log in.")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    if request.method in UNSAFE_METHODS:
        try:
            # Read here, in async code, so the (sync, thread-pooled) handlers find it parsed.
            fields = await form_data(request)
        except FormTooLarge as exc:
            return error_page(request, 413, "Too large", str(exc))
        sent = request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD)
        if not sent or not hmac.compare_digest(str(sent), str(session["csrf"])):
            return error_page(
                request,
                403,
                "Form expired",
                "The form was not sent from this page or has expired (CSRF check failed). "
                "Reload the page and try again.",
            )
    return None


def _logged_in(context: UiContext, session: dict[str, Any]) -> bool:
    """A session user counts only while its login has not been revoked (see session_check)."""
    if not session.get("user"):
        return False
    username = context.sessions.username(session)
    if username is None:
        for key in ("user", "uid", "nonce"):
            session.pop(key, None)
        return False
    session["user"] = username
    return True
