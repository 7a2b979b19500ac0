"""The SQL hooks and SQLExecuteQueryOperator against real databases: PostgreSQL
(127.0.0.1:5432, db test), MariaDB (127.0.0.1:3306, db test) and a SQLite file, reaching
their connections through the runtime interface a try uses."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import require_service
from tradewind.authoring.connection import Connection
from tradewind.authoring.runtime_secrets import install_secrets_access
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.secrets_store import SecretsStore
from tradewind.exceptions import ConnectionNotFound
from tradewind.integrations.base_hook import BaseHook
from tradewind.integrations.sql.hook import DbApiHook
from tradewind.integrations.sql.mysql import MySqlHook
from tradewind.integrations.sql.operators import PostgresOperator, SQLExecuteQueryOperator
from tradewind.integrations.sql.postgres import PostgresHook
from tradewind.integrations.sql.sqlite import SqliteHook


@pytest.fixture
def secrets(config: Config, sqlite_database_url: str, tmp_path: Path) -> Iterator[SecretsStore]:
    database = Database(sqlite_database_url)
    store = SecretsStore(database, config)
    with database.session() as session:
        for uri, conn_id in (
            ("postgresql://postgres@127.0.0.1:5432/test", "postgres_default"),
            ("mysql://root@127.0.0.1:3306/test", "mysql_default"),
        ):
            store.write_connection(session, Connection.from_uri(uri, conn_id=conn_id))
        store.write_connection(
            session,
            Connection(conn_id="sqlite_default", conn_type="sqlite", host=str(tmp_path / "a.db")),
        )
    install_secrets_access(store)
    yield store
    install_secrets_access(None)
    database.dispose()


def _hooks() -> list[Any]:
    return [
        pytest.param(PostgresHook, "%s", ("127.0.0.1", 5432), id="postgres"),
        pytest.param(MySqlHook, "%s", ("127.0.0.1", 3306), id="mariadb"),
        pytest.param(SqliteHook, "?", None, id="sqlite"),
    ]


@pytest.mark.parametrize(("hook_class", "mark", "service"), _hooks())
def test_hook_runs_reads_and_inserts(
    secrets: SecretsStore, hook_class: type[DbApiHook], mark: str, service: Any
) -> None:
    if service is not None:
        require_service(hook_class.hook_name, *service)
    hook = hook_class()
    table = f"tw_hook_{uuid.uuid4().hex[:8]}"
    try:
        hook.run(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name VARCHAR(50))")
        assert hook.insert_rows(table, [(1, "ada"), (2, "bob"), (3, "cy")], ["id", "name"], 2) == 3
        hook.run(f"INSERT INTO {table} VALUES ({mark}, {mark})", parameters=(4, "dee"))
        assert hook.get_records(f"SELECT id, name FROM {table} ORDER BY id") == [
            (1, "ada"),
            (2, "bob"),
            (3, "cy"),
            (4, "dee"),
        ]
        assert hook.get_first(f"SELECT name FROM {table} WHERE id = {mark}", (2,)) == ("bob",)
        assert hook.get_first(f"SELECT name FROM {table} WHERE id = 99") is None
        counts = hook.run(
            [f"SELECT COUNT(*) FROM {table}", f"SELECT MAX(id) FROM {table}"],
            handler=lambda cursor: cursor.fetchone()[0],
        )
        assert counts == [4, 4]
        with pytest.raises(Exception):  # noqa: B017 - each driver has its own error class
            hook.run([f"DELETE FROM {table}", f"INSERT INTO {table} VALUES (1, 'x'), (1, 'y')"])
        assert len(hook.get_records(f"SELECT * FROM {table}")) == 4, "rolled back as a whole"
    finally:
        hook.run(f"DROP TABLE IF EXISTS {table}", autocommit=True)


def test_sql_operator_pushes_rows_and_picks_the_hook_by_conn_type(secrets: SecretsStore) -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("MariaDB", "127.0.0.1", 3306)
    for conn_id in ("postgres_default", "mysql_default", "sqlite_default"):
        operator = SQLExecuteQueryOperator(
            task_id=f"q_{conn_id}", conn_id=conn_id, sql="SELECT 1 + 1"
        )
        assert operator.execute({}) == [[2]]
    assert PostgresOperator(task_id="p", sql=["SELECT 1", "SELECT 2"]).execute({}) == [[[1]], [[2]]]
    assert isinstance(BaseHook.get_hook("mysql_default"), MySqlHook)


def test_a_missing_connection_says_so(secrets: SecretsStore) -> None:
    with pytest.raises(ConnectionNotFound, match=r"^The conn_id `nope` isn't defined$"):
        PostgresHook(postgres_conn_id="nope").get_records("SELECT 1")


def test_get_pandas_df_needs_pandas(secrets: SecretsStore) -> None:
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"tradewind\[pandas\]"):
            SqliteHook().get_pandas_df("SELECT 1 AS one")
    else:
        frame = SqliteHook().get_pandas_df("SELECT 1 AS one")
        assert list(frame.columns) == ["one"] and frame["one"].tolist() == [1]
