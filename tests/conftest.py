"""Fixtures shared by the whole suite: a Tradewind home, its config and a migrated database.

``database`` is parametrized over SQLite and PostgreSQL: a test that takes it runs on both.
Each test gets its own database, so tests never see each other's rows: SQLite copies a
migrated file, PostgreSQL clones a migrated template database (``CREATE DATABASE ...
TEMPLATE``), both much faster than migrating per test.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.services import POSTGRES_HOST, POSTGRES_PORT, postgres_admin_url, require_service
from tradewind.config import Config, load_config
from tradewind.db.engine import Database
from tradewind.db.schema import migrate

RUN_TAG = uuid.uuid4().hex[:8]


@pytest.fixture
def tw_home(tmp_path: Path) -> Path:
    home = tmp_path / "tradewind_home"
    (home / "dags").mkdir(parents=True)
    return home


@pytest.fixture
def tw_env(tw_home: Path) -> dict[str, str]:
    """Environment for a Tradewind process (CLI, webserver) using the test's home."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env["TRADEWIND_HOME"] = str(tw_home)
    env["TRADEWIND__CORE__LOAD_EXAMPLES"] = "False"
    return env


@pytest.fixture
def config(tw_env: dict[str, str]) -> Config:
    return load_config(tw_env)


# --- databases ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite_template") / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    require_service("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    name = f"tw_template_{RUN_TAG}"
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    db = Database(postgres_admin_url(name))
    migrate(db)
    db.dispose()
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(*statements: str) -> None:
    url = postgres_admin_url().replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def sqlite_url(tmp_path: Path, template: Path) -> str:
    path = tmp_path / "tradewind.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database of each kind."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path, request.getfixturevalue("_sqlite_template"))
        return
    template = request.getfixturevalue("_postgres_template")
    name = f"tw_test_{RUN_TAG}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield postgres_admin_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_database_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """For tests that only make sense on SQLite (file locking, WAL)."""
    return sqlite_url(tmp_path, _sqlite_template)


@pytest.fixture
def db_config(config: Config, database_url: str) -> Config:
    """The test's config pointed at the parametrized database."""
    return config.with_overrides({("database", "sql_alchemy_conn"): database_url})


@pytest.fixture
def database(db_config: Config) -> Iterator[Database]:
    db = Database.from_config(db_config)
    yield db
    db.dispose()


@pytest.fixture
def db_env(tw_env: dict[str, str], database_url: str) -> dict[str, str]:
    """Environment for a subprocess using the parametrized database."""
    return {**tw_env, "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": database_url}
