"""A real webserver for the API tests: the Tradewind app under uvicorn on a free port.

Runs in a thread of the test process (starting in milliseconds rather than a process's
second), speaking real HTTP on loopback; ``tests/api/test_webserver_process.py`` covers
the ``tradewind webserver`` process itself.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from tradewind.config import Config, load_config
from tradewind.db.engine import Database

DAG_FILE = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("demo", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    extract = BashOperator(
        task_id="extract", bash_command="echo hi", inlets=["s3://raw"], outlets=["s3://clean"]
    )
    load = BashOperator(task_id="load", bash_command="echo load", retries=2,
                        retry_delay=timedelta(minutes=1), pool="loaders")
    extract >> load

with DAG("other", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag2:
    BashOperator(task_id="only", bash_command="echo other")

with DAG("to_delete", start_date=datetime(2024, 1, 1), schedule=None) as dag3:
    BashOperator(task_id="t", bash_command="echo t")

with DAG("to_delete_alias", start_date=datetime(2024, 1, 1), schedule=None) as dag4:
    BashOperator(task_id="t", bash_command="echo t")
"""

# What the seed's curl example sends besides its body.
CURL_HEADERS = {"Cache-Control": "no-cache", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ApiServer:
    url: str
    config: Config
    database: Database
    home: Path

    @property
    def api(self) -> str:
        return f"{self.url}/api/experimental"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.api, timeout=30, headers={"User-Agent": "curl/8.5.0"})


def make_home(root: Path, database_url: str, extra_env: dict[str, str] | None = None) -> Config:
    home = root / "home"
    (home / "dags").mkdir(parents=True, exist_ok=True)
    (home / "dags" / "demo_dags.py").write_text(DAG_FILE)
    env = {
        "TRADEWIND_HOME": str(home),
        "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": database_url,
        "TRADEWIND__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
        "TRADEWIND__CORE__PARSING_PROCESSES": "1",
        **(extra_env or {}),
    }
    return load_config(env)


def sync_dags(config: Config, database: Database) -> None:
    from tradewind.dagfiles.sync import sync_dag_folder

    report = sync_dag_folder(config, database)
    assert report.files_parsed == 1, report


@contextmanager
def serve(config: Config, database: Database) -> Iterator[ApiServer]:
    from tradewind.webserver import create_app

    port = free_port()
    app = create_app(config, database)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", http="httptools"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "webserver did not start"
        time.sleep(0.01)
    try:
        yield ApiServer(f"http://127.0.0.1:{port}", config, database, config.home)
    finally:
        server.should_exit = True
        thread.join(10)


def sqlite_copy(root: Path, template: Path) -> str:
    path = root / f"api_{uuid.uuid4().hex[:6]}.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"
