"""A running installation for the ``/api/v1`` tests: ``tradewind webserver`` with
password auth and a user, a scheduler to run what the API triggers, on a database of
either kind. Both are real processes, driven over real HTTP.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.auth.webserver import TRADEWIND, Webserver, run_cli, webserver
from tradewind.config import load_config
from tradewind.db.engine import Database

USER = "apiuser"
PASSWORD = "s3cret-pw"
BACKEND = "tradewind.api.auth.backend.password_auth"

DAG_FILE = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("client_demo", start_date=datetime(2024, 1, 1), schedule=None, tags=["api"]) as dag:
    hello = BashOperator(task_id="hello", bash_command="echo hello from the client")
    bye = BashOperator(task_id="bye", bash_command="echo bye")
    hello >> bye

with DAG("client_other", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    BashOperator(task_id="only", bash_command="echo other")
"""
BROKEN_FILE = "from tradewind import DAG\nimport this_module_does_not_exist\n"


@dataclass
class Installation:
    env: dict[str, str]
    server: Webserver

    @property
    def v1(self) -> str:
        return f"{self.server.url}/api/v1"


def v1_env(root: Path, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a home under ``root`` on ``database_url``, with the DAG files
    (one that fails to import) parsed and the user created."""
    home = root / "home"
    (home / "dags").mkdir(parents=True, exist_ok=True)
    (home / "dags" / "client_dags.py").write_text(DAG_FILE)
    (home / "dags" / "broken.py").write_text(BROKEN_FILE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        TRADEWIND_HOME=str(home),
        TRADEWIND__CORE__LOAD_EXAMPLES="False",
        TRADEWIND__DATABASE__SQL_ALCHEMY_CONN=database_url,
        TRADEWIND__CORE__PARSING_PROCESSES="1",
        TRADEWIND__API__AUTH_BACKEND=BACKEND,
        **settings,
    )
    _sync(env)
    created = run_cli(env, "users", "create", "-u", USER, "--password-stdin", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    return env


def _sync(env: dict[str, str]) -> None:
    from tradewind.dagfiles.sync import sync_dag_folder

    config = load_config(env)
    database = Database.from_config(config)
    try:
        sync_dag_folder(config, database)
    finally:
        database.dispose()


@contextmanager
def scheduler(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``tradewind scheduler`` until the block ends (SIGTERM, then SIGKILL)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*TRADEWIND, "scheduler"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@contextmanager
def installation(root: Path, database_url: str, **settings: str) -> Iterator[Installation]:
    env = v1_env(root, database_url, **settings)
    with webserver(env) as server, scheduler(env, root / "scheduler.log"):
        yield Installation(env, server)
