"""Whether a logged-in UI session still counts: revoked sessions stop working.

The session cookie is signed but kept by the browser, so logging out cannot erase a copy
of it. Instead the cookie names the account's id and its session nonce (its session
generation); logging out, a password change, deactivation and deletion give the account a
new nonce (or remove it), and every copy of an older cookie is refused from then on.

Reading the account on every page would be one indexed query per request; answers are
kept for :data:`RECHECK_SECONDS`, so another worker notices a revocation within that.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from tradewind.operations.logins import SessionOwner, session_owner

if TYPE_CHECKING:
    from tradewind.db.engine import Database

RECHECK_SECONDS = 3.0
MAX_ENTRIES = 10_000


class SessionCheck:
    """Per-process cache of account states, keyed by user id."""

    def __init__(self, database: Database, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self._database = database
        self._recheck = recheck_seconds
        self._owners: dict[int, tuple[float, SessionOwner | None]] = {}
        self._lock = threading.Lock()

    def username(self, session: dict[str, Any]) -> str | None:
        """The session's user if that login is still valid, else None (may read the DB)."""
        user_id, nonce = session.get("uid"), session.get("nonce")
        if not isinstance(user_id, int) or not isinstance(nonce, str):
            return None  # no login, or a cookie from before sessions could be revoked
        owner = self._owner(user_id)
        if owner is None or not owner.active or owner.session_nonce != nonce:
            return None
        return owner.username

    def forget(self, user_id: int) -> None:
        """Drop what this process knows of an account (after revoking its sessions here)."""
        with self._lock:
            self._owners.pop(user_id, None)

    def _owner(self, user_id: int) -> SessionOwner | None:
        now = time.monotonic()
        with self._lock:
            cached = self._owners.get(user_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        owner = session_owner(self._database, user_id)
        with self._lock:
            if len(self._owners) >= MAX_ENTRIES:
                self._owners.clear()
            self._owners[user_id] = (now + self._recheck, owner)
        return owner
