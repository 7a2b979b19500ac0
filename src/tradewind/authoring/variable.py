"""``Variable``: key/value settings a DAG reads at run time, Airflow's API.

Values are text; ``serialize_json``/``deserialize_json`` store and read JSON. Reads go
through :mod:`tradewind.authoring.runtime_secrets` (environment first, then the
database, briefly cached). Reading one at the top level of a DAG file works, but costs a
query each time the file is parsed, and is warned about; read it inside a task or a
template (``{{ var.value.key }}``) instead.
"""

from __future__ import annotations

import json
from typing import Any

from tradewind.authoring import runtime_secrets
from tradewind.exceptions import ConnectionNotFound, VariableNotFound

_NOTHING: Any = object()


class Variable:
    """Airflow's ``Variable`` class: ``get``, ``set``, ``setdefault``, ``delete``."""

    def __init__(
        self, key: str | None = None, val: Any = None, description: str | None = None
    ) -> None:
        self.key = key
        self.val = val
        self.description = description

    @classmethod
    def get(cls, key: str, default_var: Any = _NOTHING, deserialize_json: bool = False) -> Any:
        """The value of ``key``; ``default_var`` if there is none, else ``KeyError``."""
        value = runtime_secrets.get_variable(key)
        if value is None:
            if default_var is not _NOTHING:
                return default_var
            raise VariableNotFound(f"Variable {key} does not exist")
        if deserialize_json:
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError(f"Variable {key} is not valid JSON") from None
        return value

    @classmethod
    def set(
        cls,
        key: str,
        value: Any,
        description: str | None = None,
        serialize_json: bool = False,
    ) -> None:
        """Store ``value`` under ``key`` (as JSON with ``serialize_json``, else as text)."""
        text = json.dumps(value, indent=2) if serialize_json else str(value)
        runtime_secrets.set_variable(key, text, description)

    @classmethod
    def setdefault(
        cls, key: str, default: Any, description: str | None = None, deserialize_json: bool = False
    ) -> Any:
        """The value of ``key``; if it has none, store ``default`` and return it."""
        value = cls.get(key, default_var=None, deserialize_json=deserialize_json)
        if value is None:
            if default is None:
                raise ValueError("Default Value must be set")
            cls.set(key, default, description=description, serialize_json=deserialize_json)
            return default
        return value

    @classmethod
    def delete(cls, key: str) -> int:
        """Delete the stored variable; how many were deleted (0 or 1)."""
        return runtime_secrets.delete_variable(key)

    @classmethod
    def update(cls, key: str, value: Any, serialize_json: bool = False) -> None:
        """Change an existing variable; ``KeyError`` if there is none."""
        cls.get(key)
        cls.set(key, value, serialize_json=serialize_json)


class VariableAccessor:
    """``{{ var.value.key }}`` and ``{{ var.json.key.field }}`` in templates."""

    def __init__(self, deserialize_json: bool) -> None:
        self._json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return Variable.get(key, deserialize_json=self._json)

    def __getitem__(self, key: str) -> Any:
        return Variable.get(key, deserialize_json=self._json)

    def get(self, key: str, default_var: Any = _NOTHING) -> Any:
        return Variable.get(key, default_var=default_var, deserialize_json=self._json)


class ConnectionAccessor:
    """``{{ conn.my_id.host }}`` in templates."""

    def __getattr__(self, conn_id: str) -> Any:
        if conn_id.startswith("__"):
            raise AttributeError(conn_id)
        return runtime_secrets.get_connection(conn_id)

    def __getitem__(self, conn_id: str) -> Any:
        return runtime_secrets.get_connection(conn_id)

    def get(self, conn_id: str, default_conn: Any = None) -> Any:
        try:
            return runtime_secrets.get_connection(conn_id)
        except ConnectionNotFound:
            return default_conn


def template_variables() -> dict[str, Any]:
    """The ``var`` and ``conn`` entries of a task's template context."""
    from types import SimpleNamespace

    return {
        "var": SimpleNamespace(value=VariableAccessor(False), json=VariableAccessor(True)),
        "conn": ConnectionAccessor(),
    }
