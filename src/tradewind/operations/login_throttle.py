"""Too many failed logins: slow down password guessing against the API and the web UI.

Failures are counted per user name and per client address in fixed windows of
``[webserver] login_failure_window`` seconds. Once a key reaches its limit, further login
attempts for it are refused (HTTP 429 with ``Retry-After``) until its window ends, without
spending bcrypt on them. The per-user limit is low and the per-address limit high, so an
attack on one account from one address does not lock out the others behind the same
address; the attacked account itself waits out the window.

The counts live in the database (table ``login_failure``), so every webserver worker and
every webserver behind a load balancer shares them. Failures write after bcrypt has
already spent far longer than the write takes; a success deletes its user name's count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from tradewind.db.models import LoginFailure
from tradewind.exceptions import ConfigError

if TYPE_CHECKING:
    from tradewind.config import Config
    from tradewind.db.engine import Database

KEY_LENGTH = 320


@dataclass(frozen=True)
class ThrottleSettings:
    failures_per_user: int
    failures_per_address: int
    window_seconds: float

    @classmethod
    def from_config(cls, config: Config) -> ThrottleSettings:
        """The settings; a value of 0 or below (which would lock every account, or switch
        the throttle off without a word) is a ConfigError naming the key."""
        values = {
            key: float(config.get("webserver", key))
            for key in (
                "login_failures_per_user",
                "login_failures_per_address",
                "login_failure_window",
            )
        }
        for key, value in values.items():
            if value <= 0:
                raise ConfigError(f"[webserver] {key} must be above 0, not {value:g}")
        return cls(
            failures_per_user=int(values["login_failures_per_user"]),
            failures_per_address=int(values["login_failures_per_address"]),
            window_seconds=values["login_failure_window"],
        )


class LoginThrottled(Exception):
    """Refused before checking the password: too many recent failures."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins: try again in {retry_after} seconds.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    """Keys of one login attempt, and whether its user name has failures to forget."""

    user_key: str
    address_key: str
    user_has_failures: bool


class LoginThrottle:
    def __init__(
        self,
        database: Database,
        settings: ThrottleSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._database = database
        self._settings = settings
        self._clock = clock

    def check(self, username: str, address: str) -> Attempt:
        """Raise :class:`LoginThrottled` if either key is over its limit (one read)."""
        attempt = Attempt(f"user:{username}"[:KEY_LENGTH], f"address:{address}"[:KEY_LENGTH], False)
        now = self._clock()
        query = select(LoginFailure.key, LoginFailure.failures, LoginFailure.window_start).where(
            LoginFailure.key.in_((attempt.user_key, attempt.address_key)),
            LoginFailure.window_start > now - self._settings.window_seconds,
        )
        with self._database.read_connection() as connection:
            rows = connection.execute(query).all()
        limits = {
            attempt.user_key: self._settings.failures_per_user,
            attempt.address_key: self._settings.failures_per_address,
        }
        waits = [
            window_start + self._settings.window_seconds - now
            for key, failures, window_start in rows
            if failures >= limits[key]
        ]
        if waits:
            raise LoginThrottled(max(1, math.ceil(max(waits))))
        return Attempt(
            attempt.user_key,
            attempt.address_key,
            any(key == attempt.user_key for key, _, _ in rows),
        )

    def record_failure(self, attempt: Attempt) -> None:
        """Count a wrong password against both keys (and drop counts whose window ended)."""
        now = self._clock()
        expired = now - self._settings.window_seconds
        with self._database.session() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.window_start <= expired))
            for key in (attempt.user_key, attempt.address_key):
                session.execute(self._count_failure(key, now, expired))

    def record_success(self, attempt: Attempt) -> None:
        """The right password resets its user name's count (the address's stays)."""
        if not attempt.user_has_failures:
            return
        with self._database.session() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.key == attempt.user_key))

    def _count_failure(self, key: str, now: float, expired: float) -> Any:
        """One upsert: a new window at 1, or one more failure in the current window."""
        dialect = postgresql if self._database.dialect == "postgresql" else sqlite
        statement = dialect.insert(LoginFailure).values(key=key, failures=1, window_start=now)
        window_over = LoginFailure.window_start <= expired
        return statement.on_conflict_do_update(
            index_elements=[LoginFailure.key],
            set_={
                "failures": case((window_over, 1), else_=LoginFailure.failures + 1),
                "window_start": case((window_over, now), else_=LoginFailure.window_start),
            },
        )
