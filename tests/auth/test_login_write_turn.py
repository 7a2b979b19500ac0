"""A UI login's bcrypt must not hold SQLite's write turn (issue 12).

While a login is being verified, the scheduler and every running task must still be able
to write: a write started during the check must not wait for it.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import update

from tests.auth.ui_login import csrf_from
from tests.auth.webserver import webserver
from tests.www.conftest import add_user
from tradewind.db.engine import Database
from tradewind.db.models import Pool

SLOW_ROUNDS = 14  # about a second of bcrypt: long enough to see a write wait for it


def test_a_write_does_not_wait_for_a_login_being_verified(
    tmp_path: Path, _sqlite_template: Path
) -> None:
    db_path = tmp_path / "tradewind.db"
    shutil.copy(_sqlite_template, db_path)
    url = f"sqlite:///{db_path}"
    database = Database(url)
    add_user(database, "slow", "slow-pw", rounds=SLOW_ROUNDS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        TRADEWIND_HOME=str(tmp_path / "home"),
        TRADEWIND__CORE__LOAD_EXAMPLES="False",
        TRADEWIND__DATABASE__SQL_ALCHEMY_CONN=url,
        TRADEWIND__WEBSERVER__AUTHENTICATE="True",
    )
    with webserver(env) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        token = csrf_from(client.get("/login"))
        answered = threading.Event()
        login_seconds: list[float] = []

        def log_in() -> None:
            started = time.monotonic()
            response = client.post(
                "/login",
                data={"csrf_token": token, "username": "slow", "password": "slow-pw"},
                follow_redirects=False,
            )
            login_seconds.append(time.monotonic() - started)
            answered.set()
            assert response.status_code == 303

        login = threading.Thread(target=log_in)
        login.start()
        # Short writes, as the scheduler makes them, for as long as the login takes.
        write_seconds = []
        while not answered.is_set():
            started = time.monotonic()
            with database.session() as session:
                session.execute(update(Pool).where(Pool.pool == "default_pool").values(slots=7))
            write_seconds.append(time.monotonic() - started)
            time.sleep(0.02)
        login.join()
    database.dispose()
    assert login_seconds, "the login request failed"
    # Holding the turn through bcrypt would make one write wait most of the login.
    assert max(write_seconds) < login_seconds[0] / 2, (max(write_seconds), login_seconds)
    assert len(write_seconds) > 3  # writes kept going all along
