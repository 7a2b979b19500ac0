"""``DbApiHook``: run SQL on a database a connection names, over its DB-API driver.

The driver connection comes from SQLAlchemy (the URL built from the connection, see
:mod:`.urls`), so every database gets the same pooling-free, well-tested connect path;
statements go to the driver's cursor unchanged, so parameters use the driver's
placeholders (``%s`` for PostgreSQL and MySQL, ``?`` for SQLite), as with Airflow's hooks.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import NullPool

from tradewind.authoring.connection import Connection
from tradewind.integrations.base_hook import BaseHook
from tradewind.integrations.sql.urls import sqlalchemy_url

Handler = Callable[[Any], Any]


def fetch_all_handler(cursor: Any) -> list[tuple[Any, ...]] | None:
    """Every row of a statement that returns rows; None for one that does not."""
    if cursor.description is None:
        return None
    return [tuple(row) for row in cursor.fetchall()]


def fetch_one_handler(cursor: Any) -> tuple[Any, ...] | None:
    if cursor.description is None:
        return None
    row = cursor.fetchone()
    return None if row is None else tuple(row)


def driver_connection(conn: Any) -> Any:
    """The driver's own connection behind SQLAlchemy's proxy (for driver-specific settings)."""
    return getattr(conn, "driver_connection", conn)


class DbApiHook(BaseHook):
    """SQL over a connection: ``get_records``, ``get_first``, ``run``, ``insert_rows``..."""

    conn_name_attr = "conn_id"
    default_conn_name = "default_conn_id"
    supports_autocommit = True
    placeholder = "%s"

    def __init__(
        self, *args: Any, schema: str | None = None, log_sql: bool = True, **kwargs: Any
    ) -> None:
        super().__init__()
        conn_id = kwargs.pop(self.conn_name_attr, None) or (args[0] if args else None)
        setattr(self, self.conn_name_attr, conn_id or self.default_conn_name)
        if kwargs:
            warnings.warn(
                f"{type(self).__name__} ignores the argument(s) {', '.join(sorted(kwargs))}",
                UserWarning,
                stacklevel=2,
            )
        self.schema = schema
        self.log_sql = log_sql
        self._connection: Connection | None = None
        self._engine: Engine | None = None

    # --- where to connect ------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = self.get_connection(getattr(self, self.conn_name_attr))
        return self._connection

    def get_connection_url(self) -> URL:
        url = sqlalchemy_url(self.connection, default_type=self.conn_type or None)
        if self.schema and url.get_backend_name() != "sqlite":
            url = url.set(database=self.schema)
        return url

    def get_uri(self) -> str:
        return self.get_connection_url().render_as_string(hide_password=False)

    def get_sqlalchemy_engine(self, engine_kwargs: dict[str, Any] | None = None) -> Engine:
        if self._engine is None:
            self._engine = create_engine(
                self.get_connection_url(), poolclass=NullPool, **(engine_kwargs or {})
            )
        return self._engine

    def get_conn(self) -> Any:
        """A new DB-API connection (SQLAlchemy's proxy of the driver's; close it when done)."""
        return self.get_sqlalchemy_engine().raw_connection()

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        driver_connection(conn).autocommit = autocommit

    # --- reading ---------------------------------------------------------------------------

    def get_records(self, sql: str, parameters: Any = None) -> list[tuple[Any, ...]]:
        """Every row ``sql`` returns."""
        return self.run(sql, parameters=parameters, handler=fetch_all_handler) or []

    def get_first(self, sql: str, parameters: Any = None) -> tuple[Any, ...] | None:
        """The first row ``sql`` returns, or None."""
        result: tuple[Any, ...] | None = self.run(
            sql, parameters=parameters, handler=fetch_one_handler
        )
        return result

    def get_pandas_df(self, sql: str, parameters: Any = None, **kwargs: Any) -> Any:
        """The rows as a pandas DataFrame (needs pandas: ``pip install tradewind[pandas]``)."""
        try:
            import pandas  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            raise ImportError(
                "get_pandas_df needs pandas: pip install 'tradewind[pandas]'"
            ) from None
        with closing(self.get_conn()) as conn, closing(conn.cursor()) as cursor:
            self._execute(cursor, sql, parameters)
            columns = [column[0] for column in cursor.description or []]
            return pandas.DataFrame.from_records(cursor.fetchall(), columns=columns, **kwargs)

    # --- writing ---------------------------------------------------------------------------

    def run(
        self,
        sql: str | Iterable[str],
        autocommit: bool = False,
        parameters: Any = None,
        handler: Handler | None = None,
        split_statements: bool = False,
        return_last: bool = True,
    ) -> Any:
        """Run one statement or a list of them, in one transaction unless ``autocommit``.

        With a ``handler`` (called with the cursor after each statement) the result is the
        last statement's handler result for a single ``sql`` string (``return_last``), else
        the list of every statement's; without one, None.
        """
        single = isinstance(sql, str)
        statements = self._statements(sql, split_statements)
        results = []
        with closing(self.get_conn()) as conn:
            if self.supports_autocommit:
                self.set_autocommit(conn, autocommit)
            with closing(conn.cursor()) as cursor:
                for statement in statements:
                    self._execute(cursor, statement, parameters)
                    if handler is not None:
                        results.append(handler(cursor))
            if not autocommit:
                conn.commit()
        if handler is None:
            return None
        if single and return_last and not split_statements:
            return results[-1] if results else None
        return results

    def insert_rows(
        self,
        table: str,
        rows: Iterable[Sequence[Any]],
        target_fields: Sequence[str] | None = None,
        commit_every: int = 1000,
        replace: bool = False,
    ) -> int:
        """Insert ``rows`` into ``table``, committing every ``commit_every`` rows."""
        count = 0
        with closing(self.get_conn()) as conn:
            if self.supports_autocommit:
                self.set_autocommit(conn, False)
            with closing(conn.cursor()) as cursor:
                batch: list[tuple[Any, ...]] = []
                for row in rows:
                    batch.append(tuple(row))
                    if commit_every and len(batch) >= commit_every:
                        count += self._insert_batch(
                            conn, cursor, table, target_fields, replace, batch
                        )
                        batch = []
                if batch:
                    count += self._insert_batch(conn, cursor, table, target_fields, replace, batch)
        self.log.info("Done loading. Loaded a total of %d rows into %s", count, table)
        return count

    def _insert_batch(
        self,
        conn: Any,
        cursor: Any,
        table: str,
        target_fields: Sequence[str] | None,
        replace: bool,
        batch: list[tuple[Any, ...]],
    ) -> int:
        verb = "REPLACE INTO" if replace else "INSERT INTO"
        fields = f" ({', '.join(target_fields)})" if target_fields else ""
        values = ", ".join([self.placeholder] * len(batch[0]))
        cursor.executemany(f"{verb} {table}{fields} VALUES ({values})", batch)
        conn.commit()
        return len(batch)

    def _execute(self, cursor: Any, statement: str, parameters: Any) -> None:
        if self.log_sql:
            self.log.info("Running statement: %s, parameters: %s", statement, parameters)
        if parameters is None:
            cursor.execute(statement)
        else:
            cursor.execute(statement, parameters)

    @staticmethod
    def _statements(sql: str | Iterable[str], split: bool) -> list[str]:
        """``split`` cuts a script at its semicolons (none may sit inside a literal)."""
        if isinstance(sql, str):
            if not split:
                return [sql]
            return [part.strip() for part in sql.split(";") if part.strip()]
        statements = list(sql)
        if not statements:
            raise ValueError("List of SQL statements is empty")
        return statements
