"""One real webserver per test module and database kind (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.api.server import ApiServer, make_home, serve, sqlite_copy, sync_dags
from tests.conftest import RUN_TAG, _pg_admin
from tests.services import postgres_admin_url
from tradewind.db.engine import Database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        root = tmp_path_factory.mktemp("api_db")
        yield sqlite_copy(root, request.getfixturevalue("_sqlite_template"))
        return
    template = request.getfixturevalue("_postgres_template")
    name = f"tw_api_{RUN_TAG}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield postgres_admin_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def api_server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    config = make_home(tmp_path_factory.mktemp("api_home"), module_database_url)
    database = Database.from_config(config)
    sync_dags(config, database)
    try:
        with serve(config, database) as server:
            yield server
    finally:
        database.dispose()
