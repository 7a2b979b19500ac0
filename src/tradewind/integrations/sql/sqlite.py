"""``SqliteHook`` (``sqlite_conn_id``, default ``sqlite_default``): the file path is the
connection's ``host``, as in Airflow; parameters use ``?``."""

from __future__ import annotations

from typing import Any

from tradewind.integrations.sql.hook import DbApiHook, driver_connection


class SqliteHook(DbApiHook):
    conn_name_attr = "sqlite_conn_id"
    default_conn_name = "sqlite_default"
    conn_type = "sqlite"
    hook_name = "Sqlite"
    placeholder = "?"

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        driver_connection(conn).isolation_level = None if autocommit else ""
