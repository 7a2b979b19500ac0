"""From a connection to the SQLAlchemy URL of the database it names.

The driver per connection type is the one Tradewind depends on: psycopg 3 for
PostgreSQL, PyMySQL for MySQL and MariaDB (the ``mysql`` extra), the standard library
for SQLite. ``extra`` fields become URL query parameters (``sslmode``, ``charset``...).
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from tradewind.authoring.connection import Connection

DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "sqlite": "sqlite",
}


class UnsupportedConnectionType(ValueError):
    """No SQL driver is known for the connection's ``conn_type``."""


def sqlalchemy_url(connection: Connection, default_type: str | None = None) -> URL:
    conn_type = (connection.conn_type or default_type or "").lower()
    driver = DRIVERS.get(conn_type)
    if driver is None:
        known = ", ".join(sorted(DRIVERS))
        raise UnsupportedConnectionType(
            f"connection {connection.conn_id!r} has conn_type {conn_type!r}; SQL hooks know {known}"
        )
    if driver == "sqlite":
        # Airflow's SQLite connection keeps the file path in ``host``.
        return URL.create("sqlite", database=connection.host or connection.schema or None)
    query = {
        str(key): str(value)
        for key, value in connection.extra_dejson.items()
        if isinstance(value, str | int | float | bool)
    }
    return URL.create(
        driver,
        username=connection.login or None,
        password=connection.password or None,
        host=connection.host or None,
        port=connection.port,
        database=connection.schema or None,
        query=query,
    )
