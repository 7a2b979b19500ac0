"""The ``password_auth`` backend: HTTP Basic against the ``users`` table.

bcrypt takes 100+ ms of CPU on purpose, so:

* it runs in worker threads, at most one per CPU at once (:data:`_BCRYPT_LIMIT`), so a
  flood of bad passwords slows logins, not the event loop or the other requests;
* a name or client address with too many recent failures gets 429 before any bcrypt
  (:mod:`tradewind.operations.login_throttle`);
* a successful check is remembered for a few minutes in :class:`VerifiedCache`, keyed by
  an HMAC (with a per-process random key) of the user name, the *stored hash* and the
  password. Every request still reads the user's row, so deleting or deactivating an
  account, or changing its password, takes effect on the next request.

Unknown users, wrong passwords and inactive accounts get the same 401 after the same
amount of bcrypt work: the answer does not tell which user names exist.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from tradewind.api.auth.base import Identity, TooManyRequests, Unauthenticated
from tradewind.operations.login_throttle import LoginThrottled
from tradewind.operations.logins import Account, ThrottledLogins, find_account
from tradewind.security.passwords import dummy_hash

if TYPE_CHECKING:
    from starlette.requests import Request

    from tradewind.config import Config
    from tradewind.db.engine import Database

log = logging.getLogger(__name__)

CHALLENGE = 'Basic realm="Tradewind API", charset="UTF-8"'
BAD_CREDENTIALS = "Invalid username or password."
NO_CREDENTIALS = "Authentication required: send a username and password with HTTP Basic auth."
MALFORMED = "Malformed Authorization header: expected 'Basic <base64 of username:password>'."

CACHE_TTL_SECONDS = 300.0
CACHE_MAX_ENTRIES = 4096
_BCRYPT_LIMIT = max(2, os.cpu_count() or 2)


def parse_basic(header: str | None) -> tuple[str, str]:
    """(username, password) from an ``Authorization: Basic ...`` value, or Unauthenticated."""
    if not header:
        raise Unauthenticated(CHALLENGE, NO_CREDENTIALS)
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise Unauthenticated(CHALLENGE, NO_CREDENTIALS)
    try:
        decoded = binascii.a2b_base64(encoded.strip(), strict_mode=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise Unauthenticated(CHALLENGE, MALFORMED) from None
    username, colon, password = decoded.partition(":")
    if not colon or not username:
        raise Unauthenticated(CHALLENGE, MALFORMED)
    return username, password


class VerifiedCache:
    """Recent successful checks, so API throughput is not bound by bcrypt.

    Holds only HMAC digests: a memory dump shows neither passwords nor anything that
    can be attacked offline without the per-process key.
    """

    def __init__(self, ttl: float = CACHE_TTL_SECONDS, max_entries: int = CACHE_MAX_ENTRIES):
        self._key = secrets.token_bytes(32)
        self._ttl = ttl
        self._max = max_entries
        self._entries: OrderedDict[bytes, float] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, username: str, stored_hash: str, password: str) -> bytes:
        message = "\0".join((username, stored_hash, password)).encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def contains(self, username: str, stored_hash: str, password: str) -> bool:
        digest = self._digest(username, stored_hash, password)
        with self._lock:
            expires = self._entries.get(digest)
            if expires is None:
                return False
            if expires < time.monotonic():
                del self._entries[digest]
                return False
            return True

    def add(self, username: str, stored_hash: str, password: str) -> None:
        digest = self._digest(username, stored_hash, password)
        with self._lock:
            self._entries[digest] = time.monotonic() + self._ttl
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


class PasswordAuth:
    def __init__(
        self, database: Database, logins: ThrottledLogins, cache: VerifiedCache | None = None
    ) -> None:
        self.database = database
        self.logins = logins
        self.cache = cache or VerifiedCache()
        self._bcrypt_limiter: anyio.CapacityLimiter | None = None

    async def authenticate(self, request: Request) -> Identity:
        username, password = parse_basic(request.headers.get("authorization"))
        account = await anyio.to_thread.run_sync(find_account, self.database, username)
        if self._cached(account, password):
            return Identity(name=username, method="password")
        if self._bcrypt_limiter is None:
            self._bcrypt_limiter = anyio.CapacityLimiter(_BCRYPT_LIMIT)
        address = request.client.host if request.client else ""
        try:
            # Unknown and inactive users cost a full bcrypt too: same answer, same time.
            checked = await anyio.to_thread.run_sync(
                self.logins.check, username, password, address, limiter=self._bcrypt_limiter
            )
        except LoginThrottled as exc:
            log.info("API login throttled for user %r from %s", username, address)
            raise TooManyRequests(exc.retry_after, str(exc)) from None
        if checked is None:
            log.info("API login refused for user %r", username)
            raise Unauthenticated(CHALLENGE, BAD_CREDENTIALS)
        self.cache.add(username, checked.password_hash, password)
        return Identity(name=username, method="password")

    def _cached(self, account: Account | None, password: str) -> bool:
        return (
            account is not None
            and account.active
            and self.cache.contains(account.username, account.password_hash, password)
        )


def create_backend(config: Config, database: Database) -> PasswordAuth:
    dummy_hash()  # pay for the dummy hash at start-up, not on the first unknown user
    return PasswordAuth(database, ThrottledLogins.from_config(config, database))
