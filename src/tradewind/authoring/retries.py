"""When a failed task instance may be retried.

A pure function of the task's retry settings, so the scheduler can compute it from the
serialized DAG. The jitter of exponential backoff is derived from a hash of the task key
instead of a random number: a given attempt always waits the same time (reproducible, easy
to test), while many tasks failing together still spread out their retries.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

#: Exponential backoff never waits longer than this, even without ``max_retry_delay``.
MAX_BACKOFF = timedelta(days=1)
#: The jitter adds up to this fraction of the backoff delay.
JITTER_FRACTION = 0.1


def next_retry_at(
    *,
    end_date: datetime,
    try_number: int,
    retry_delay: timedelta,
    retry_exponential_backoff: bool,
    max_retry_delay: timedelta | None,
    task_key: str,
) -> datetime:
    """The earliest time the next try may start.

    ``end_date`` is when the failed try ended, ``try_number`` the 1-based number of that
    try, and ``task_key`` anything that identifies the task instance (e.g.
    ``"dag_id/task_id/run_id"``).
    """
    if not retry_exponential_backoff:
        return end_date + retry_delay
    base = retry_delay.total_seconds()
    exponent = min(max(try_number, 1) - 1, 32)  # beyond 2**32 every delay hits the cap anyway
    backoff = base * (2**exponent)
    delay = backoff + backoff * JITTER_FRACTION * _unit_hash(f"{task_key}#{try_number}")
    cap = MAX_BACKOFF.total_seconds()
    if max_retry_delay is not None:
        cap = min(cap, max_retry_delay.total_seconds())
    return end_date + timedelta(seconds=min(delay, cap))


def _unit_hash(key: str) -> float:
    """A stable number in ``[0, 1)`` derived from ``key``."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
