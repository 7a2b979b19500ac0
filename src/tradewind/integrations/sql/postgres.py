"""``PostgresHook`` (``postgres_conn_id``, default ``postgres_default``) over psycopg 3."""

from __future__ import annotations

from typing import Any

from tradewind.integrations.sql.hook import DbApiHook


class PostgresHook(DbApiHook):
    conn_name_attr = "postgres_conn_id"
    default_conn_name = "postgres_default"
    conn_type = "postgres"
    hook_name = "Postgres"

    def __init__(self, *args: Any, database: str | None = None, **kwargs: Any) -> None:
        """``database`` (Airflow's name) overrides the connection's schema, like ``schema``."""
        schema = kwargs.pop("schema", None) or database
        super().__init__(*args, schema=schema, **kwargs)
        self.database = schema
