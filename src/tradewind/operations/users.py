"""Accounts: the people the password backend and the web UI let in.

The CLI calls these; the web UI will too. Passwords arrive in clear and leave only as
bcrypt hashes (:mod:`tradewind.security.passwords`); nothing here returns a hash.
Changing a password, deactivating or deleting an account ends its web UI sessions
(:func:`end_sessions`); :mod:`tradewind.operations.logins` checks passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.authoring.timezone import utcnow
from tradewind.db.models import User
from tradewind.db.models.user import new_session_nonce
from tradewind.exceptions import BadRequest, NotFound
from tradewind.operations import audit
from tradewind.security.passwords import hash_password

if TYPE_CHECKING:
    from tradewind.db.engine import Database

# Airflow's built-in role names, so accounts carried over keep their meaning.
ROLES = ("Admin", "Op", "User", "Viewer", "Public")
DEFAULT_ROLE = "Admin"
USERNAME_MAX_LENGTH = 256


@dataclass(frozen=True)
class UserInfo:
    """What may be shown about an account (no hash)."""

    username: str
    email: str
    role: str
    active: bool
    created_at: datetime
    last_login: datetime | None


def _info(user: User) -> UserInfo:
    return UserInfo(
        username=user.username,
        email=user.email or "",
        role=user.role,
        active=bool(user.active),
        created_at=user.created_at,
        last_login=user.last_login,
    )


def validate_username(username: str) -> str:
    """Basic auth splits ``user:password`` at the first colon, so names cannot hold one."""
    if not username or not username.strip():
        raise BadRequest("The username must not be empty.")
    if username != username.strip():
        raise BadRequest("The username must not start or end with spaces.")
    if ":" in username:
        raise BadRequest("The username must not contain ':' (HTTP Basic auth cannot carry it).")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in username):
        raise BadRequest("The username must not contain control characters.")
    if len(username) > USERNAME_MAX_LENGTH:
        raise BadRequest(f"The username is longer than {USERNAME_MAX_LENGTH} characters.")
    return username


def validate_role(role: str) -> str:
    for known in ROLES:
        if role.lower() == known.lower():
            return known
    raise BadRequest(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")


def _get(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"User '{username}' doesn't exist")
    return user


def create_user(
    database: Database,
    username: str,
    password: str,
    *,
    role: str = DEFAULT_ROLE,
    email: str = "",
    actor: str = "cli",
) -> UserInfo:
    validate_username(username)
    role = validate_role(role)
    password_hash = hash_password(password)  # slow: outside the transaction
    with database.session() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise BadRequest(f"User '{username}' already exists")
        user = User(
            username=username,
            password_hash=password_hash,
            email=email,
            role=role,
            active=True,
            created_at=utcnow(),
            last_login=None,
        )
        session.add(user)
        audit.record(session, "user.create", actor, extra={"username": username, "role": role})
        session.flush()
        return _info(user)


def list_users(database: Database) -> list[UserInfo]:
    with database.read_session() as session:
        return [_info(u) for u in session.scalars(select(User).order_by(User.username))]


def get_user(database: Database, username: str) -> UserInfo:
    with database.read_session() as session:
        return _info(_get(session, username))


def delete_user(database: Database, username: str, *, actor: str = "cli") -> UserInfo:
    with database.session() as session:
        user = _get(session, username)
        info = _info(user)
        session.delete(user)
        audit.record(session, "user.delete", actor, extra={"username": username})
        return info


def reset_password(database: Database, username: str, password: str, *, actor: str = "cli") -> None:
    password_hash = hash_password(password)
    with database.session() as session:
        user = _get(session, username)
        user.password_hash = password_hash
        user.session_nonce = new_session_nonce()
        audit.record(session, "user.reset_password", actor, extra={"username": username})


def set_active(database: Database, username: str, active: bool, *, actor: str = "cli") -> None:
    with database.session() as session:
        user = _get(session, username)
        user.active = active
        user.session_nonce = new_session_nonce()
        event = "user.activate" if active else "user.deactivate"
        audit.record(session, event, actor, extra={"username": username})


def end_sessions(database: Database, username: str, *, actor: str = "cli") -> None:
    """Log the account out of the web UI everywhere: every session cookie issued so far
    stops working (within a few seconds on other webserver workers)."""
    with database.session() as session:
        _get(session, username).session_nonce = new_session_nonce()
        audit.record(session, "user.end_sessions", actor, extra={"username": username})
