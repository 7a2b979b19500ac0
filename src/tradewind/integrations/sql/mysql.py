"""``MySqlHook`` (``mysql_conn_id``, default ``mysql_default``): MySQL and MariaDB over PyMySQL
(``pip install 'tradewind[mysql]'``)."""

from __future__ import annotations

from typing import Any

from tradewind.integrations.sql.hook import DbApiHook, driver_connection


class MySqlHook(DbApiHook):
    conn_name_attr = "mysql_conn_id"
    default_conn_name = "mysql_default"
    conn_type = "mysql"
    hook_name = "MySQL"

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        driver_connection(conn).autocommit(autocommit)  # PyMySQL's is a method
