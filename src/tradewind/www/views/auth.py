"""Login and logout for ``[webserver] authenticate = True``, against the API's users table."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradewind.api.auth.passwords import dummy_hash, verify_password
from tradewind.authoring.timezone import utcnow
from tradewind.db.models import User
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
    if not _check_password(request, username, form.get("password", "")):
        return render(request, "login.html", 401, next=target, error=BAD_LOGIN, username=username)
    session = session_of(request)
    session.clear()
    session["user"] = username
    session["csrf"] = secrets.token_urlsafe(32)  # a new token for the logged-in session
    return RedirectResponse(target, status_code=303)


def _check_password(request: Request, username: str, password: str) -> bool:
    """The API password backend's rules: bcrypt, same cost for unknown users, active only."""
    database = ui(request).database
    with database.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        stored = user.password_hash if user is not None else dummy_hash()
        ok = verify_password(password, stored) and user is not None and bool(user.active)
        if ok and user is not None:
            user.last_login = utcnow()
    return ok


@public
def logout(request: Request) -> Response:
    session = session_of(request)
    session.clear()
    session["csrf"] = secrets.token_urlsafe(32)
    return RedirectResponse("/login" if ui(request).authenticate else "/dags", status_code=303)
