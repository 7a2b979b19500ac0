"""The scheduler's LISTEN connection after a PostgreSQL restart: NOTIFY wakes it again.

Schedulers on other machines are woken only through ``NOTIFY``; if the scheduler kept
waiting on the descriptor of the connection the restart killed, those wake-ups would be
lost for good (work would then start only on the scheduler's timers).
"""

from __future__ import annotations

import selectors
import time
from pathlib import Path

import psycopg
import pytest

from tests.faults.private_postgres import PrivatePostgres
from tradewind.config import load_config
from tradewind.db.engine import Database
from tradewind.db.wakeup import PG_CHANNEL, WakeupListener

pytestmark = pytest.mark.slow


def _notify(server: PrivatePostgres) -> None:
    """A NOTIFY as a process on another machine sends it (no local wake-up socket)."""
    url = f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"NOTIFY {PG_CHANNEL}")


def _woken(selector: selectors.BaseSelector, listener: WakeupListener, within: float) -> bool:
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        if selector.select(left):
            listener.drain()
            return True
    return False


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_notify_wakes_the_listener_after_a_restart(
    private_postgres: PrivatePostgres, tw_env: dict[str, str], tmp_path: Path, mode: str
) -> None:
    env = {**tw_env, "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": private_postgres.url()}
    config = load_config(env)
    database = Database.from_config(config)
    listener = WakeupListener(database, config)
    selector = selectors.DefaultSelector()
    listener.attach(selector, "wake")
    try:
        _notify(private_postgres)
        assert _woken(selector, listener, 5), "NOTIFY did not wake the listener at all"

        private_postgres.stop(mode)
        # The dying connection wakes the loop (the server's goodbye, then the end of the
        # stream), is dropped, and then the loop stays quiet instead of spinning.
        assert _woken(selector, listener, 5), "the lost connection went unnoticed"
        wakes = 1
        while _woken(selector, listener, 0.5):
            wakes += 1
            assert wakes < 5, "a dead descriptor keeps waking the loop"
        listener.reconnect_if_needed(database)  # still down: no error, nothing registered
        private_postgres.start()

        listener.reconnect_if_needed(database)
        _notify(private_postgres)
        assert _woken(selector, listener, 5), "NOTIFY after the restart did not wake it"
        print(f"\nSURVIVED: LISTEN connection lost to a '{mode}' restart, re-made, woken again")
    finally:
        listener.close()
        selector.close()
        database.dispose()
