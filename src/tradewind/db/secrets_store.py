"""Variables and connections where they live: the environment first, then the database.

The one place that reads and writes the ``variable`` and ``connection`` rows, encrypting
and decrypting them with ``[core] fernet_key``, and that knows which environment
variables count: ``TRADEWIND_VAR_<KEY>`` / ``TRADEWIND_CONN_<ID>`` always, Airflow's
``AIRFLOW_VAR_``/``AIRFLOW_CONN_`` under ``[core] airflow_compat`` (the environment itself
was read once, by :mod:`tradewind.config`). A :class:`SecretsStore` is also what a try or
the DAG parser installs as its ``SecretsAccess`` (:mod:`tradewind.authoring.runtime_secrets`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tradewind.authoring.connection import Connection
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import Connection as ConnectionRow
from tradewind.db.models import Variable as VariableRow
from tradewind.security.fernet import FernetCodec


@dataclass(frozen=True)
class StoredVariable:
    key: str
    val: str
    description: str | None
    is_encrypted: bool


def environment_prefixes(config: Config, kind: str) -> tuple[str, ...]:
    """``TRADEWIND_VAR_`` (kind ``VAR``) or ``_CONN_``, plus Airflow's under compat."""
    prefixes = [f"TRADEWIND_{kind}_"]
    if config.get("core", "airflow_compat"):
        prefixes.append(f"AIRFLOW_{kind}_")
    return tuple(prefixes)


class SecretsStore:
    """Reads and writes variables and connections for one database and configuration."""

    def __init__(self, database: Database, config: Config) -> None:
        self.database = database
        self.codec = FernetCodec(str(config.get("core", "fernet_key") or ""))
        self._env = config.secret_environment
        self._var_prefixes = environment_prefixes(config, "VAR")
        self._conn_prefixes = environment_prefixes(config, "CONN")

    # --- the environment -------------------------------------------------------------------

    def _from_env(self, prefixes: tuple[str, ...], name: str) -> tuple[str, str] | None:
        """(variable name, value) of the first prefix that sets ``name`` (upper-cased)."""
        for prefix in prefixes:
            env_name = prefix + name.upper()
            if env_name in self._env:
                return env_name, self._env[env_name]
        return None

    def env_variable(self, key: str) -> str | None:
        found = self._from_env(self._var_prefixes, key)
        return None if found is None else found[1]

    def env_connection(self, conn_id: str) -> Connection | None:
        found = self._from_env(self._conn_prefixes, conn_id)
        if found is None:
            return None
        env_name, text = found
        try:
            return Connection.from_text(text, conn_id=conn_id)
        except ValueError as exc:
            raise type(exc)(f"{exc} (in environment variable {env_name})") from None

    # --- variables -------------------------------------------------------------------------

    def get_variable(self, key: str) -> str | None:
        """The environment's value, else the stored one (one indexed query), else None."""
        value = self.env_variable(key)
        if value is not None:
            return value
        with self.database.session() as session:
            row = session.scalars(select(VariableRow).where(VariableRow.key == key)).one_or_none()
            if row is None or row.val is None:
                return None
            return self.codec.decrypt(row.val, row.is_encrypted)

    def stored_variables(self) -> list[StoredVariable]:
        """Every stored variable, decrypted, by key."""
        with self.database.session() as session:
            rows = session.scalars(select(VariableRow).order_by(VariableRow.key)).all()
            return [
                StoredVariable(
                    row.key,
                    self.codec.decrypt(row.val or "", row.is_encrypted),
                    row.description,
                    row.is_encrypted,
                )
                for row in rows
            ]

    def set_variable(self, key: str, value: str, description: str | None) -> None:
        with self.database.session() as session:
            self.write_variable(session, key, value, description)

    def write_variable(
        self, session: Session, key: str, value: str, description: str | None
    ) -> None:
        """Create or replace ``key`` in ``session`` (so an import is one transaction), its
        description too."""
        row = session.scalars(select(VariableRow).where(VariableRow.key == key)).one_or_none()
        if row is None:
            row = VariableRow(key=key)
            session.add(row)
        row.val, row.is_encrypted = self.codec.encrypt(value)
        row.description = description  # replaced, as Airflow's Variable.set does

    def delete_variable(self, key: str) -> int:
        with self.database.session() as session:
            result = session.execute(delete(VariableRow).where(VariableRow.key == key))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # --- connections -----------------------------------------------------------------------

    def get_connection(self, conn_id: str) -> Connection | None:
        connection = self.env_connection(conn_id)
        if connection is not None:
            return connection
        with self.database.session() as session:
            row = session.scalars(
                select(ConnectionRow).where(ConnectionRow.conn_id == conn_id)
            ).one_or_none()
            return None if row is None else self._connection(row)

    def stored_connections(self) -> list[Connection]:
        with self.database.session() as session:
            rows = session.scalars(select(ConnectionRow).order_by(ConnectionRow.conn_id)).all()
            return [self._connection(row) for row in rows]

    def stored_connection(self, conn_id: str) -> Connection | None:
        with self.database.session() as session:
            row = session.scalars(
                select(ConnectionRow).where(ConnectionRow.conn_id == conn_id)
            ).one_or_none()
            return None if row is None else self._connection(row)

    def write_connection(self, session: Session, connection: Connection) -> None:
        """Create or replace the connection ``connection.conn_id`` in ``session``."""
        row = session.scalars(
            select(ConnectionRow).where(ConnectionRow.conn_id == connection.conn_id)
        ).one_or_none()
        if row is None:
            row = ConnectionRow(conn_id=connection.conn_id)
            session.add(row)
        row.conn_type = connection.conn_type or ""
        row.description = connection.description
        row.host = connection.host
        row.schema = connection.schema
        row.login = connection.login
        row.port = connection.port
        row.password, row.is_encrypted = (
            self.codec.encrypt(connection.password)
            if connection.password is not None
            else (None, False)
        )
        row.extra, row.is_extra_encrypted = (
            self.codec.encrypt(connection.extra) if connection.extra else (None, False)
        )

    def delete_connection(self, conn_id: str) -> int:
        with self.database.session() as session:
            result = session.execute(delete(ConnectionRow).where(ConnectionRow.conn_id == conn_id))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def _connection(self, row: ConnectionRow) -> Connection:
        password = (
            None if row.password is None else self.codec.decrypt(row.password, row.is_encrypted)
        )
        extra = None if row.extra is None else self.codec.decrypt(row.extra, row.is_extra_encrypted)
        return Connection(
            conn_id=row.conn_id,
            conn_type=row.conn_type,
            description=row.description,
            host=row.host,
            schema=row.schema,
            login=row.login,
            password=password,
            port=row.port,
            extra=extra,
        )

    # --- key rotation ----------------------------------------------------------------------

    def rotate_fernet_key(self) -> tuple[int, int]:
        """Re-encrypt every stored value with the first key: (variables, connections)."""
        with self.database.session() as session:
            variables = session.scalars(select(VariableRow)).all()
            for var in variables:
                if var.val is not None:
                    var.val, var.is_encrypted = self.codec.rotate(var.val, var.is_encrypted)
            connections = session.scalars(select(ConnectionRow)).all()
            for conn in connections:
                if conn.password is not None:
                    conn.password, conn.is_encrypted = self.codec.rotate(
                        conn.password, conn.is_encrypted
                    )
                if conn.extra is not None:
                    conn.extra, conn.is_extra_encrypted = self.codec.rotate(
                        conn.extra, conn.is_extra_encrypted
                    )
            return len(variables), len(connections)
