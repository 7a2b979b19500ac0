"""Fixtures for the web UI: a parsed DAG folder, the webserver app, logged-in clients."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.scheduling.harness import Harness
from tradewind.authoring.timezone import utcnow
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import User
from tradewind.security.passwords import hash_password

SAMPLE_DAG = """
from datetime import datetime

from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator

with DAG(
    dag_id="ui_sample",
    description="A small DAG the UI tests look at.",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["ui", "sample"],
    params={"greeting": "hello"},
) as dag:
    extract = BashOperator(task_id="extract", bash_command="echo extracting {{ dag_run.conf }}")
    transform = BashOperator(task_id="transform", bash_command="echo transforming")
    load = EmptyOperator(task_id="load")
    extract >> transform >> load

with DAG(dag_id="ui_other", schedule="@daily", start_date=datetime(2024, 1, 1),
         catchup=False, tags=["other"]) as other:
    EmptyOperator(task_id="only")
"""

BROKEN_DAG = "from tradewind import DAG\nraise RuntimeError('this DAG file is broken on purpose')\n"


def write_dags(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ui_sample.py").write_text(SAMPLE_DAG)
    (folder / "broken_dag.py").write_text(BROKEN_DAG)


def sync(config: Config, database: Database) -> None:
    from tradewind.dagfiles.sync import sync_dag_folder

    write_dags(config.dags_folder)
    sync_dag_folder(config, database)


def make_client(config: Config, database: Database) -> TestClient:
    from tradewind.webserver import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(create_app(config, database), follow_redirects=False)


def add_user(
    database: Database, username: str, password: str, *, active: bool = True, rounds: int = 4
) -> None:
    with database.session() as session:
        session.add(
            User(
                username=username,
                password_hash=hash_password(password, rounds=rounds),
                active=active,
                role="Admin",
                created_at=utcnow(),
            )
        )


def csrf_token(client: TestClient, path: str = "/dags") -> str:
    """The hidden CSRF field of a page, as a browser would submit it."""
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or re.search(
        r'name="csrf-token" content="([^"]+)"', page.text
    )
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


@pytest.fixture
def ui_database(db_config: Config, database: Database) -> Database:
    sync(db_config, database)
    return database


@pytest.fixture
def client(db_config: Config, ui_database: Database) -> Iterator[TestClient]:
    with make_client(db_config, ui_database) as test_client:
        yield test_client


@pytest.fixture
def auth_config(db_config: Config) -> Config:
    return db_config.with_overrides(
        {("webserver", "authenticate"): "True", ("webserver", "secret_key"): "test-secret"}
    )


@pytest.fixture
def auth_client(auth_config: Config, ui_database: Database) -> Iterator[TestClient]:
    add_user(ui_database, "alice", "wonderland")
    add_user(ui_database, "mallory", "disabled-account", active=False)
    with make_client(auth_config, ui_database) as test_client:
        yield test_client


@pytest.fixture
def harness(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Harness]:
    """A real ``tradewind scheduler`` process for the test's home (see ``tests.scheduling``)."""
    (tmp_path / "spans").mkdir()
    running = Harness(db_config, database, db_env, tmp_path)
    try:
        yield running
    finally:
        running.stop()
