"""How DAG code reaches variables and connections without importing the database.

The process that runs user code (a try, the DAG file parser) installs a
:class:`SecretsAccess` (``tradewind.execution`` and ``tradewind.dagfiles`` do; both
answer from the environment first, then the metadata database). :class:`Variable`,
``BaseHook`` and the ``var``/``conn`` template variables only talk to this module.

Reads are cached for :data:`CACHE_SECONDS`, as Airflow's docs advise (``[secrets]
use_cache``): a task or template that reads one variable many times costs one query.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from tradewind.authoring.connection import Connection
from tradewind.exceptions import ConnectionNotFound, TradewindException
from tradewind.security.masking import is_sensitive_key, mask_secret

CACHE_SECONDS = 30.0


class SecretsAccess(Protocol):
    """What a process running user code offers it: the environment, then the database."""

    def get_variable(self, key: str) -> str | None: ...

    def set_variable(self, key: str, value: str, description: str | None) -> None: ...

    def delete_variable(self, key: str) -> int: ...

    def get_connection(self, conn_id: str) -> Connection | None: ...


class NoSecretsAccess(TradewindException):
    """This process has no way to the variables and connections."""


class _Cached:
    """One process's access with a short-lived cache in front of its reads."""

    def __init__(self, inner: SecretsAccess, ttl: float) -> None:
        self.inner = inner
        self.ttl = ttl
        self._values: dict[tuple[str, str], tuple[float, Any]] = {}

    def read(self, kind: str, name: str) -> Any:
        now = time.monotonic()
        hit = self._values.get((kind, name))
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        if kind == "var":
            value: Any = self.inner.get_variable(name)
        else:
            value = self.inner.get_connection(name)
        self._values[kind, name] = (now, value)
        return value

    def forget(self, kind: str, name: str) -> None:
        self._values.pop((kind, name), None)


_installed: _Cached | None = None


def install_secrets_access(access: SecretsAccess | None, ttl: float = CACHE_SECONDS) -> None:
    """Make ``access`` this process's way to variables and connections (None removes it)."""
    global _installed
    _installed = None if access is None else _Cached(access, ttl)


def installed_secrets_access() -> SecretsAccess | None:
    return None if _installed is None else _installed.inner


def _access() -> _Cached:
    if _installed is None:
        raise NoSecretsAccess(
            "variables and connections can be read only where Tradewind runs DAG code "
            "(a task, a DAG file being parsed, `tradewind tasks test`)"
        )
    return _installed


def get_variable(key: str) -> str | None:
    """The variable's text, or None; a sensitive-looking key's value is masked in logs."""
    value = _access().read("var", key)
    if value is not None and is_sensitive_key(key):
        mask_secret(value)
    return value


def set_variable(key: str, value: str, description: str | None = None) -> None:
    access = _access()
    access.inner.set_variable(key, value, description)
    access.forget("var", key)


def delete_variable(key: str) -> int:
    access = _access()
    deleted = access.inner.delete_variable(key)
    access.forget("var", key)
    return deleted


def get_connection(conn_id: str) -> Connection:
    """The connection, its password masked in logs; raises if there is none."""
    connection = _access().read("conn", conn_id)
    if connection is None:
        raise ConnectionNotFound(f"The conn_id `{conn_id}` isn't defined")
    assert isinstance(connection, Connection)
    mask_secret(connection.password)
    for name, value in connection.extra_dejson.items():
        if is_sensitive_key(name):
            mask_secret(value)
    return connection
