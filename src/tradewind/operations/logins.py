"""Checking a password: the one check the API's password backend and the web UI share.

bcrypt costs about half a second of CPU on purpose. On SQLite a write transaction holds
the database's single write turn (``BEGIN IMMEDIATE``), so a check made inside one would
stall the scheduler and every running task for as long. Here the account is read in a
short read, bcrypt runs with no transaction open, and a successful login is recorded in a
write of its own afterwards.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from tradewind.authoring.timezone import utcnow
from tradewind.db.models import User
from tradewind.operations.login_throttle import LoginThrottle, ThrottleSettings
from tradewind.security.passwords import dummy_hash, verify_password

if TYPE_CHECKING:
    from tradewind.config import Config
    from tradewind.db.engine import Database

log = logging.getLogger(__name__)

#: bcrypt checks at once in this process: one per CPU. More only queue in threads, and a
#: spray of logins (UI or API) must not take every thread the webserver serves pages with.
_BCRYPT_SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)


@dataclass(frozen=True)
class Account:
    """What a login needs to know about a user: read once, then checked with no DB open."""

    user_id: int
    username: str
    password_hash: str
    active: bool
    session_nonce: str


def find_account(database: Database, username: str) -> Account | None:
    """The account named ``username`` (one indexed read, no transaction held), or None.

    A name holding NUL is no one's (no database stores it): None without a query.
    """
    if "\x00" in username:
        return None
    query = select(
        User.id, User.username, User.password_hash, User.active, User.session_nonce
    ).where(User.username == username)
    with database.read_connection() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    return Account(row[0], row[1], row[2], bool(row[3]), row[4])


def password_matches(account: Account | None, password: str) -> bool:
    """True only for an active account and its password (slow: bcrypt; call it with no
    transaction open).

    Unknown users are checked against a dummy hash of the same cost and inactive ones
    against their own, so the time taken does not tell which names exist.
    """
    stored = account.password_hash if account is not None else dummy_hash()
    with _BCRYPT_SLOTS:
        matches = verify_password(password, stored)
    return matches and account is not None and account.active


def record_login(database: Database, username: str) -> None:
    """Note ``last_login``; a busy database must not turn a good login into an error."""
    try:
        with database.session() as session:
            session.execute(
                update(User).where(User.username == username).values(last_login=utcnow())
            )
    except Exception as exc:
        log.warning("Could not record the last login of %r: %s", username, exc)


def check_credentials(database: Database, username: str, password: str) -> Account | None:
    """The account if ``password`` is its password and it is active, else None.

    Read, then bcrypt outside any transaction, then a short write of ``last_login``.
    """
    account = find_account(database, username)
    matches = password_matches(account, password)  # bcrypt even for unknown users
    if account is None or not matches:
        return None
    record_login(database, username)
    return account


@dataclass(frozen=True)
class SessionOwner:
    """The account a UI session cookie names, as the database has it now."""

    username: str
    active: bool
    session_nonce: str


def session_owner(database: Database, user_id: int) -> SessionOwner | None:
    """One primary-key read: is the account still there, active, at the same generation?"""
    query = select(User.username, User.active, User.session_nonce).where(User.id == user_id)
    with database.read_connection() as connection:
        row = connection.execute(query).first()
    return None if row is None else SessionOwner(row[0], bool(row[1]), row[2])


class ThrottledLogins:
    """:func:`check_credentials` behind the failed-login throttle, for the API and the UI.

    Raises :class:`~tradewind.operations.login_throttle.LoginThrottled` (before any bcrypt)
    while the user name or the client address has failed too often.
    """

    def __init__(self, database: Database, throttle: LoginThrottle) -> None:
        self._database = database
        self._throttle = throttle

    @classmethod
    def from_config(cls, config: Config, database: Database) -> ThrottledLogins:
        return cls(database, LoginThrottle(database, ThrottleSettings.from_config(config)))

    def check(self, username: str, password: str, address: str) -> Account | None:
        if "\x00" in username:  # no account has it, and no database can count it
            password_matches(None, password)  # the same time as any wrong password
            return None
        attempt = self._throttle.check(username, address)
        account = check_credentials(self._database, username, password)
        try:
            if account is None:
                self._throttle.record_failure(attempt)
            else:
                self._throttle.record_success(attempt)
        except Exception as exc:  # a busy database must not turn a login into an error
            log.warning("Could not count the login of %r from %s: %s", username, address, exc)
        return account
