"""Connections for the API, the CLI and the UI: checked input, audit, the password hidden.

Rows go through :class:`tradewind.db.secrets_store.SecretsStore` (password and extra
Fernet-encrypted). What is shown to a person never holds the password (``***``) unless
``reveal`` is asked for (``connections get --reveal``/``export`` on the CLI, which reads
the database directly). Files use Airflow's JSON shape: ``{"conn_id": {fields...}}``.
"""

from __future__ import annotations

import json
from typing import Any

from tradewind.authoring.connection import FIELDS, Connection, InvalidConnection
from tradewind.config import Config
from tradewind.db.models.base import ID_LENGTH
from tradewind.db.secrets_store import SecretsStore
from tradewind.exceptions import (
    BadRequest,
    ConfigError,
    ConnectionAlreadyExists,
    ConnectionNotFound,
)
from tradewind.operations import audit
from tradewind.security.masking import MASK, is_sensitive_key

# The columns of these fields are VARCHAR(500) (PostgreSQL refuses longer text).
SHORT_FIELD_LENGTH = 500
_SHORT_FIELDS = ("conn_type", "host", "schema")


def validate_conn_id(conn_id: Any) -> str:
    if not isinstance(conn_id, str):
        raise BadRequest(f"conn_id must be a string, not {json.dumps(conn_id, default=str)[:100]}")
    if not conn_id.strip():
        raise BadRequest("conn_id shouldn't be empty")
    if len(conn_id) > ID_LENGTH:
        raise BadRequest(f"conn_id can't be more than {ID_LENGTH} characters")
    if "\x00" in conn_id:
        raise BadRequest("conn_id can't contain a NUL character")
    return conn_id


def connection_from_fields(conn_id: Any, fields: Any) -> Connection:
    """A connection from the JSON form (``uri`` allowed); a 400 names the bad field."""
    conn_id = validate_conn_id(conn_id)
    if not isinstance(fields, dict):
        raise BadRequest(f"connection {conn_id} must be a JSON object of its fields")
    for name, value in fields.items():
        if isinstance(value, str) and "\x00" in value:
            raise BadRequest(f"connection field {name} can't contain a NUL character")
    try:
        connection = Connection.from_json(
            {k: v for k, v in fields.items() if k != "conn_id"}, conn_id=conn_id
        )
    except InvalidConnection as exc:
        raise BadRequest(f"connection {conn_id}: {exc}") from None
    for name in ("conn_type", "host", "schema", "login", "password", "description"):
        value = getattr(connection, name)
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"connection {conn_id}: {name} must be a string")
        if name in _SHORT_FIELDS and value is not None and len(value) > SHORT_FIELD_LENGTH:
            raise BadRequest(
                f"connection {conn_id}: {name} can't be more than {SHORT_FIELD_LENGTH} characters"
            )
    if not connection.conn_type:
        raise BadRequest(f"connection {conn_id} needs a conn_type")
    return connection


def shown(connection: Connection, *, reveal: bool = False) -> dict[str, Any]:
    """The JSON form with ``conn_id``; password and sensitive extra fields as ``***``."""
    data = {"conn_id": connection.conn_id, **connection.to_dict()}
    if not reveal:
        if data["password"]:
            data["password"] = MASK
        extra = data.get("extra") or {}
        data["extra"] = {
            key: MASK if is_sensitive_key(key) else value for key, value in extra.items()
        } or None
    return data


def list_connections(secrets: SecretsStore, *, reveal: bool = False) -> list[dict[str, Any]]:
    return [shown(connection, reveal=reveal) for connection in secrets.stored_connections()]


def get_connection(secrets: SecretsStore, conn_id: Any, *, reveal: bool = False) -> dict[str, Any]:
    conn_id = validate_conn_id(conn_id)
    connection = secrets.get_connection(conn_id)
    if connection is None:
        raise ConnectionNotFound(f"The conn_id `{conn_id}` isn't defined")
    return shown(connection, reveal=reveal)


def add_connection(
    secrets: SecretsStore, connection: Connection, *, actor: str, replace: bool = True
) -> dict[str, Any]:
    """Store ``connection``; with ``replace=False`` an existing conn_id is a 400."""
    conn_id = validate_conn_id(connection.conn_id)
    with secrets.database.session() as session:
        if not replace and secrets.stored_connection(conn_id) is not None:
            raise ConnectionAlreadyExists(f"A connection with conn_id `{conn_id}` already exists")
        secrets.write_connection(session, connection)
        audit.record(session, "connection_set", actor, extra={"conn_id": conn_id})
    return shown(connection)


def delete_connection(secrets: SecretsStore, conn_id: Any, *, actor: str) -> dict[str, Any]:
    conn_id = validate_conn_id(conn_id)
    if not secrets.delete_connection(conn_id):
        raise ConnectionNotFound(f"The conn_id `{conn_id}` isn't defined")
    with secrets.database.session() as session:
        audit.record(session, "connection_delete", actor, extra={"conn_id": conn_id})
    return {"conn_id": conn_id, "message": f"Connection {conn_id} deleted"}


def import_connections(
    secrets: SecretsStore, data: Any, *, actor: str, overwrite: bool = False
) -> tuple[int, list[str]]:
    """Airflow's file shape ``{"conn_id": {"conn_type": ..., ...}}`` (a value may be a URI):
    (how many were written, the conn_ids skipped because they exist and not ``overwrite``).

    All or nothing: one bad connection leaves every connection as it was.
    """
    if not isinstance(data, dict):
        raise BadRequest('a connections file must hold one JSON object: {"conn_id": {...}}')
    connections = []
    for conn_id, fields in data.items():
        if isinstance(fields, str):
            fields = {"uri": fields}
        connections.append(connection_from_fields(conn_id, fields))
    existing = {c.conn_id for c in secrets.stored_connections()}
    skipped = [c.conn_id for c in connections if c.conn_id in existing and not overwrite]
    written = [c for c in connections if c.conn_id not in skipped]
    with secrets.database.session() as session:
        for connection in written:
            secrets.write_connection(session, connection)
        audit.record(session, "connection_import", actor, extra={"count": len(written)})
    return len(written), [str(conn_id) for conn_id in skipped]


def export_connections(secrets: SecretsStore) -> dict[str, Any]:
    """``{"conn_id": {fields}}`` with the passwords: the file is meant for another install."""
    return {c.conn_id: c.to_dict() for c in secrets.stored_connections() if c.conn_id is not None}


def test_connection(secrets: SecretsStore, conn_id: Any) -> tuple[bool, str]:
    """Try to reach the connection: a SQL query for database types, a request for HTTP."""
    conn_id = validate_conn_id(conn_id)
    connection = secrets.get_connection(conn_id)
    if connection is None:
        raise ConnectionNotFound(f"The conn_id `{conn_id}` isn't defined")
    return try_connection(connection)


TEST_CONNECTION_VALUES = ("enabled", "disabled", "hidden")


def testing_enabled(config: Config) -> bool:
    """Whether ``[core] test_connection`` lets API users test connections (Airflow's values:
    Enabled, Disabled, Hidden; anything else is a mistake worth saying, not a silent no)."""
    value = str(config.get("core", "test_connection")).strip().lower()
    if value not in TEST_CONNECTION_VALUES:
        raise ConfigError(
            f"Invalid value {value!r} for [core] test_connection "
            f"(from {config.source('core', 'test_connection')}): expected Enabled, Disabled "
            "or Hidden."
        )
    return value == "enabled"


def try_connection(connection: Connection) -> tuple[bool, str]:
    """(reached?, what happened) for a connection that need not be stored."""
    conn_type = (connection.conn_type or "").lower()
    try:
        if conn_type in ("http", "https"):
            return _test_http(connection)
        if conn_type in ("postgres", "mysql", "sqlite", "mariadb"):
            return _test_sql(connection)
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return False, f"Tradewind cannot test connections of type {conn_type!r}"


def _test_http(connection: Connection) -> tuple[bool, str]:
    import httpx  # 5 MiB that every long-lived process would carry for this one test

    scheme = connection.conn_type if connection.conn_type == "https" else "http"
    host = connection.host or ""
    base = host if "://" in host else f"{scheme}://{host}"
    if connection.port:
        base += f":{connection.port}"
    response = httpx.get(base, timeout=10)
    return response.status_code < 500, f"HTTP {response.status_code} from {base}"


def _test_sql(connection: Connection) -> tuple[bool, str]:
    from sqlalchemy import create_engine, text

    from tradewind.integrations.sql.urls import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(connection))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    return True, "Connection successfully tested"


# --- the stable API's connections (Airflow 2's /api/v1 rules) -------------------------------

# What a list may be sorted by, by Airflow's names (``id`` is the order of creation there;
# here the list is by conn_id, which is what ``id`` gives).
ORDERING = ("connection_id", "conn_type", "description", "host", "port", "id")
UPDATABLE = ("conn_type", "description", "host", "schema", "login", "password", "port", "extra")


def masked_extra(connection: Connection) -> str | None:
    """``extra`` as Airflow's API shows it: JSON text, sensitive fields ``***``."""
    if connection.extra is None:
        return None
    extra = connection.extra_dejson
    return json.dumps(
        {key: MASK if is_sensitive_key(key) else value for key, value in extra.items()}
    )


def connection_page(
    secrets: SecretsStore, *, limit: int, offset: int, order_by: str = "id"
) -> tuple[list[Connection], int]:
    """One page of the stored connections sorted by an :data:`ORDERING` field (``-`` in
    front descends; ``None`` values first, as in SQL ascending), and the total."""
    name = order_by.removeprefix("-")
    if name not in ORDERING:
        raise BadRequest(
            f"Ordering with '{name}' is disallowed or the attribute does not exist on the model"
        )
    attribute = "conn_id" if name in ("connection_id", "id") else name
    stored = secrets.stored_connections()
    stored.sort(
        key=lambda c: (getattr(c, attribute) is not None, getattr(c, attribute) or 0),
        reverse=order_by.startswith("-"),
    )
    return stored[offset : offset + limit], len(stored)


def stored_connection(secrets: SecretsStore, conn_id: Any) -> Connection:
    """The stored connection ``conn_id`` (the environment's are not the API's to show)."""
    conn_id = validate_conn_id(conn_id)
    connection = secrets.stored_connection(conn_id)
    if connection is None:
        raise ConnectionNotFound(f"The Connection with connection_id: `{conn_id}` was not found")
    return connection


def update_connection(
    secrets: SecretsStore, conn_id: Any, changes: dict[str, Any], *, actor: str
) -> Connection:
    """Change some fields (of :data:`UPDATABLE`) of the stored connection ``conn_id``."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise BadRequest(f"'{unknown[0]}' is unknown or cannot be updated.")
    current = stored_connection(secrets, conn_id)
    fields = {**current.to_dict(), "extra": current.extra, **changes}
    updated = connection_from_fields(current.conn_id, fields)
    add_connection(secrets, updated, actor=actor)
    return updated


__all__ = ["FIELDS"]
