"""What the triggerer tells the metrics, from numbers its loop already holds.

Each function is one call from the loop and costs no query: the outcomes are counted once
a pass has recorded them (a pass that fails keeps them for the next one, so nothing is
counted twice), and the running triggers are the runner's own count.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time

from tradewind.observability import catalog, metrics

log = logging.getLogger(__name__)

#: The watchdog looks at the event loop this often (seconds) ...
WATCHDOG_TICK = 0.1
#: ... and counts a trigger as blocking it when a tick took this long (as Airflow does).
BLOCKED_AFTER = 0.2

_hostname: list[str] = []


def heartbeat() -> None:
    metrics.incr(catalog.TRIGGERER_HEARTBEATS)


def recorded(fired: int, failed: int) -> None:
    """A pass recorded ``fired`` events and ``failed`` triggers."""
    if fired:
        metrics.incr(catalog.TRIGGERS_SUCCEEDED, fired)
    if failed:
        metrics.incr(catalog.TRIGGERS_FAILED, failed)


def running(count: int, capacity: int) -> None:
    """After a full pass started and cancelled triggers: how many run here now."""
    if not metrics.enabled():
        return
    if not _hostname:
        _hostname.append(socket.getfqdn())  # as the triggerer's job row names its host
    with metrics.batch():
        metrics.gauge(catalog.TRIGGERS_RUNNING, count, hostname=_hostname[0])
        metrics.gauge(catalog.TRIGGERER_CAPACITY_LEFT, capacity - count, hostname=_hostname[0])


async def watch_event_loop() -> None:
    """Run beside the triggers: a late tick means a trigger blocked the loop (and every
    other trigger with it); log it and count it."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(WATCHDOG_TICK)
        took = time.monotonic() - before
        if took > BLOCKED_AFTER:
            log.info(
                "The triggerer's event loop was blocked for %.2f s, likely by a trigger "
                "doing blocking work (set PYTHONASYNCIODEBUG=1 to see which coroutine)",
                took,
            )
            metrics.incr(catalog.TRIGGERS_BLOCKED)
