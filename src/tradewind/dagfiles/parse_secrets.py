"""Variables and connections read while a DAG file is imported by the parser.

They work (Airflow's DAG files do this), but each read costs the parser a database
query every time the file is parsed, so each is warned about; the loader logs the warning
with the file's name. Reading them inside a task or a template costs nothing at parse time.
The database code is imported on the first read only: a zygote that preloads a DAG file
must stay free of it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from tradewind.config import Config

if TYPE_CHECKING:
    from tradewind.authoring.connection import Connection
    from tradewind.db.secrets_store import SecretsStore


class ParseTimeCost(UserWarning):
    """A DAG file read a variable or connection at its top level."""


class ParseTimeSecrets:
    """The parser's ``SecretsAccess``: the database, connected on first use, with a warning."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._store: SecretsStore | None = None

    def _secrets(self) -> SecretsStore:
        if self._store is None:
            from tradewind.db.engine import Database
            from tradewind.db.secrets_store import SecretsStore

            self._store = SecretsStore(Database.from_config(self._config), self._config)
        return self._store

    def close(self) -> None:
        """Drop the database connections (before a process forks children that must not
        share them)."""
        if self._store is not None:
            self._store.database.dispose()
            self._store = None

    def get_variable(self, key: str) -> str | None:
        _warn(
            f"Variable {key!r} is read at the top level of the DAG file: that costs a "
            f"database query each time the file is parsed; read it in a task or a template "
            f"({{{{ var.value.{key} }}}}) instead"
        )
        return self._secrets().get_variable(key)

    def set_variable(self, key: str, value: str, description: str | None) -> None:
        _warn(f"Variable {key!r} is set while the DAG file is parsed (on every parse)")
        self._secrets().set_variable(key, value, description)

    def delete_variable(self, key: str) -> int:
        _warn(f"Variable {key!r} is deleted while the DAG file is parsed (on every parse)")
        return self._secrets().delete_variable(key)

    def get_connection(self, conn_id: str) -> Connection | None:
        _warn(
            f"Connection {conn_id!r} is read at the top level of the DAG file: that costs a "
            "database query each time the file is parsed; read it inside a task instead"
        )
        return self._secrets().get_connection(conn_id)


def _warn(message: str) -> None:
    warnings.warn(message, ParseTimeCost, stacklevel=4)
