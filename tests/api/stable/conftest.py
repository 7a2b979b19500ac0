"""A real webserver with password auth for the /api/v1 tests, on SQLite and PostgreSQL.

The webserver runs in a thread of the test process (tests/api/server.py); a test that
needs tasks to really run starts ``tradewind scheduler`` as a process on the same home.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.server import make_home, serve, sqlite_copy
from tests.conftest import RUN_TAG, _pg_admin
from tests.services import postgres_admin_url
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.operations.users import create_user

USER, PASSWORD = "v1-admin", "v1-s3cret"
PASSWORD_AUTH = "tradewind.api.auth.backend.password_auth"
TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]

STABLE_DAGS = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator


def answer():
    return {"answer": 42}


def show(number):
    print("item", number)


with DAG("v1_demo", start_date=datetime(2024, 1, 1), schedule=None, tags=["v1", "demo"]):
    hello = BashOperator(task_id="hello", bash_command="echo hello-from-v1")
    push = PythonOperator(task_id="push", python_callable=answer)
    hello >> push

with DAG("v1_daily", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False,
         tags=["v1"]):
    BashOperator(task_id="only", bash_command="echo daily")

with DAG("v1_mapped", start_date=datetime(2024, 1, 1), schedule=None):
    PythonOperator.partial(task_id="each", python_callable=show).expand(
        op_args=[[1], [2], [3]]
    )

with DAG("v1_gone", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="t", bash_command="echo t")
"""


@dataclass
class StableServer:
    url: str
    config: Config
    database: Database
    env: dict[str, str]

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def client(self, auth: tuple[str, str] | None = (USER, PASSWORD)) -> httpx.Client:
        return httpx.Client(base_url=self.api, timeout=60, auth=auth)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stable_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        root = tmp_path_factory.mktemp("v1_db")
        yield sqlite_copy(root, request.getfixturevalue("_sqlite_template"))
        return
    template = request.getfixturevalue("_postgres_template")
    name = f"tw_v1_{RUN_TAG}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield postgres_admin_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def v1(
    stable_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StableServer]:
    from tradewind.dagfiles.sync import sync_dag_folder

    root = tmp_path_factory.mktemp("v1_home")
    env = {
        "TRADEWIND__API__AUTH_BACKEND": PASSWORD_AUTH,
        "TRADEWIND__API__MAXIMUM_PAGE_LIMIT": "50",
        "TRADEWIND__API__FALLBACK_PAGE_LIMIT": "3",
    }
    config = make_home(root, stable_database_url, env)
    (config.home / "dags" / "v1_dags.py").write_text(STABLE_DAGS)
    database = Database.from_config(config)
    sync_dag_folder(config, database)
    create_user(database, USER, PASSWORD, role="Admin")
    process_env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    process_env.update(
        TRADEWIND_HOME=str(config.home),
        TRADEWIND__CORE__LOAD_EXAMPLES="False",
        TRADEWIND__DATABASE__SQL_ALCHEMY_CONN=stable_database_url,
        TRADEWIND__CORE__PARSING_PROCESSES="1",
        **env,
    )
    try:
        with serve(config, database) as server:
            yield StableServer(server.url, config, database, process_env)
    finally:
        database.dispose()


@pytest.fixture
def client(v1: StableServer) -> Iterator[httpx.Client]:
    with v1.client() as http:
        yield http


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@contextmanager
def scheduler(v1: StableServer, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``tradewind scheduler`` on the server's home until the block ends."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*TRADEWIND, "scheduler"],
            env=v1.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
