"""``BaseHook``: what every hook shares, above all finding its connection by id.

A hook names its connection id argument (``postgres_conn_id``...) in ``conn_name_attr``
and its default in ``default_conn_name``, as Airflow's hooks do, so DAG code written for
Airflow's providers passes the same keywords.
"""

from __future__ import annotations

import logging
from typing import Any

from tradewind.authoring.connection import Connection

log = logging.getLogger("tradewind.hooks")


class BaseHook:
    """Base of hooks: ``get_connection`` and ``get_hook`` by the connection's type."""

    conn_name_attr = ""
    default_conn_name = ""
    conn_type = ""
    hook_name = ""

    def __init__(self, logger_name: str | None = None) -> None:
        self.log = logging.getLogger(logger_name or f"tradewind.hooks.{type(self).__name__}")

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        """The connection ``conn_id`` (the environment's, else the stored one).

        Raises ``AirflowNotFoundException`` (``The conn_id `x` isn't defined``) if neither.
        """
        connection = Connection.get_connection_from_secrets(conn_id)
        log.info("Using connection ID '%s' for task execution.", conn_id)
        return connection

    @classmethod
    def get_hook(cls, conn_id: str, hook_params: dict[str, Any] | None = None) -> BaseHook:
        """A hook of the kind the connection's ``conn_type`` calls for."""
        from tradewind.integrations.hook_types import hook_class_for

        connection = cls.get_connection(conn_id)
        hook_class = hook_class_for(connection.conn_type or "", conn_id)
        return hook_class(**{hook_class.conn_name_attr: conn_id, **(hook_params or {})})

    def get_conn(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not make connections")
