"""Riding out a database outage: when to try a failed write again, and saying so once."""

from __future__ import annotations

import logging
import time

from tradewind.db.outage import first_line

#: First pause after a failure, doubled on each further failure up to :data:`MAX_PAUSE`.
FIRST_PAUSE = 0.05
MAX_PAUSE = 5.0


class Outage:
    """One kind of database work (recording, claiming, heartbeating) that may be failing.

    Logs one line when the work starts failing and one when it succeeds again, not a
    traceback per attempt: an outage of a minute would otherwise flood the log.
    """

    def __init__(self, what: str, log: logging.Logger) -> None:
        self.what = what
        self._log = log
        self._pause = 0.0
        self._next_attempt = 0.0
        self._failures = 0

    @property
    def failing(self) -> bool:
        return self._failures > 0

    def due(self, now: float) -> bool:
        return now >= self._next_attempt

    def seconds_until_due(self, now: float) -> float | None:
        """How long until the next attempt; ``None`` when nothing is failing."""
        return max(self._next_attempt - now, 0.0) if self.failing else None

    def failed(self, exc: BaseException) -> None:
        self._pause = min(max(self._pause * 2, FIRST_PAUSE), MAX_PAUSE)
        self._next_attempt = time.monotonic() + self._pause
        self._failures += 1
        if self._failures == 1:
            self._log.warning(
                "%s failed (%s); retrying until the database is back",
                self.what,
                first_line(exc),
            )

    def succeeded(self) -> None:
        if self.failing:
            self._log.warning("%s recovered after %d failed attempt(s)", self.what, self._failures)
        self._pause = 0.0
        self._next_attempt = 0.0
        self._failures = 0
