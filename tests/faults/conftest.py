"""Fixtures of the fault tests: a private PostgreSQL and a running installation on it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.private_postgres import PrivatePostgres
from tests.faults.stack import Stack
from tests.scheduling.harness import Harness
from tradewind.config import load_config
from tradewind.db.engine import Database
from tradewind.db.schema import migrate


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres.create()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def pg_stack(
    private_postgres: PrivatePostgres, tw_env: dict[str, str], tmp_path: Path
) -> Iterator[Stack]:
    """Scheduler and webserver on a fresh database of the private server (not started)."""
    url = private_postgres.create_database(f"tw_{uuid.uuid4().hex[:8]}")
    env = {**tw_env, "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": url}
    config = load_config(env)
    database = Database.from_config(config)
    migrate(database)
    stack = Stack(Harness(config, database, env, tmp_path))
    try:
        yield stack
    finally:
        stack.stop()
        database.dispose()
