"""Login and logout when the UI asks for a login (see ``login_policy``), against the users
table the API's password backend uses too."""

from __future__ import annotations

import contextlib
import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradewind.exceptions import NotFound
from tradewind.operations.login_throttle import LoginThrottled
from tradewind.operations.users import end_sessions
from tradewind.www.context import session_of, ui
from tradewind.www.forms import posted
from tradewind.www.redirects import local_path
from tradewind.www.rendering import render
from tradewind.www.routing import public

BAD_LOGIN = "Wrong username or password, or the account is disabled."


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect a fresh login to another host."""
    return local_path(target, "/dags")


@public
def login_form(request: Request) -> Response:
    if not ui(request).authenticate or session_of(request).get("user"):
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return render(request, "login.html", next=_safe_next(request.query_params.get("next")))


@public
def login(request: Request) -> Response:
    form = posted(request)
    username = form.get("username", "").strip()
    target = _safe_next(form.get("next"))
    address = request.client.host if request.client else ""
    try:
        account = ui(request).logins.check(username, form.get("password", ""), address)
    except LoginThrottled as exc:
        page = render(request, "login.html", 429, next=target, error=str(exc), username=username)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if account is None:
        return render(request, "login.html", 401, next=target, error=BAD_LOGIN, username=username)
    session = session_of(request)
    session.clear()
    session["user"] = account.username
    session["uid"] = account.user_id
    session["nonce"] = account.session_nonce  # the login counts while this is unchanged
    session["csrf"] = secrets.token_urlsafe(32)  # a new token for the logged-in session
    return RedirectResponse(target, status_code=303)


@public
def logout(request: Request) -> Response:
    """End the session for good: a copy of its cookie must not keep working.

    The account's session generation moves on, which logs it out in every browser.
    """
    session = session_of(request)
    # Only a login still valid may end the account's sessions: a revoked copy may not.
    username = ui(request).sessions.username(session) if session.get("user") else None
    if username is not None:
        _end_sessions(request, username, session["uid"])
    session.clear()
    session["csrf"] = secrets.token_urlsafe(32)
    return RedirectResponse("/login" if ui(request).authenticate else "/dags", status_code=303)


def _end_sessions(request: Request, username: str, user_id: int) -> None:
    context = ui(request)
    with contextlib.suppress(NotFound):  # deleted meanwhile: its sessions are over anyway
        end_sessions(context.database, username, actor=username)
    context.sessions.forget(user_id)
