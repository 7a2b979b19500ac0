"""Which hook serves which ``conn_type`` (for ``BaseHook.get_hook`` and the SQL operator)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from tradewind.exceptions import AirflowException

if TYPE_CHECKING:
    from tradewind.integrations.base_hook import BaseHook

HOOKS = {
    "postgres": "tradewind.integrations.sql.postgres:PostgresHook",
    "postgresql": "tradewind.integrations.sql.postgres:PostgresHook",
    "mysql": "tradewind.integrations.sql.mysql:MySqlHook",
    "mariadb": "tradewind.integrations.sql.mysql:MySqlHook",
    "sqlite": "tradewind.integrations.sql.sqlite:SqliteHook",
    "http": "tradewind.integrations.http.hook:HttpHook",
    "https": "tradewind.integrations.http.hook:HttpHook",
}


def hook_class_for(conn_type: str, conn_id: str) -> type[BaseHook]:
    target = HOOKS.get(conn_type.lower())
    if target is None:
        raise AirflowException(
            f"Connection {conn_id!r} has conn_type {conn_type!r}, for which Tradewind has no "
            f"hook; known types: {', '.join(sorted(HOOKS))}"
        )
    module, name = target.split(":")
    hook_class: type[BaseHook] = getattr(import_module(module), name)
    return hook_class
