"""Login and logout for ``[webserver] authenticate = True``, against the API's users table."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradewind.authoring.timezone import utcnow
from tradewind.db.models import User
from tradewind.www.context import session_of, ui
from tradewind.www.forms import posted
from tradewind.www.rendering import render
from tradewind.www.routing import public

BAD_LOGIN = "Wrong username or password, or the account is disabled."


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect a fresh login to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/dags"


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
    database = ui(request).database
    with database.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        # Check a hash even for unknown users, so timing does not tell which names exist.
        ok = _verify(password, user.password_hash if user is not None else _DUMMY_HASH)
        ok = ok and user is not None and bool(user.active)
        if ok and user is not None:
            user.last_login = utcnow()
    return ok


_DUMMY_HASH = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5J7SdJ6v6e1v5h9Vf5r8bQ1p6GQ8C2a"


def _verify(password: str, password_hash: str) -> bool:
    """The API password backend's check when this build has it, else bcrypt itself."""
    try:
        from tradewind.api.auth.passwords import verify_password
    except ImportError:
        import bcrypt

        try:
            return bcrypt.checkpw(password.encode(), password_hash.encode())
        except ValueError:
            return False
    return bool(verify_password(password, password_hash))


@public
def logout(request: Request) -> Response:
    session = session_of(request)
    session.clear()
    session["csrf"] = secrets.token_urlsafe(32)
    return RedirectResponse("/login" if ui(request).authenticate else "/dags", status_code=303)
