"""What an API auth backend is: one module, one entry point, one method.

A backend module (``tradewind.api.auth.backend.<name>``) exposes
``create_backend(config, database) -> AuthBackend``. The API calls
``await backend.authenticate(request)`` once per request, before any handler runs:
it returns the caller's :class:`Identity` or raises :class:`Unauthenticated`
(401, with a ``WWW-Authenticate`` challenge), :class:`Forbidden` (403) or
:class:`TooManyRequests` (429, with ``Retry-After``).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tradewind.exceptions import ConfigError

if TYPE_CHECKING:
    from starlette.requests import Request

    from tradewind.config import Config
    from tradewind.db.engine import Database

log = logging.getLogger(__name__)

BACKEND_PACKAGE = "tradewind.api.auth.backend"

# Airflow's module names, so an airflow.cfg-style setting keeps working.
ALIASES = {
    "airflow.api.auth.backend.default": f"{BACKEND_PACKAGE}.default",
    "airflow.api.auth.backend.deny_all": f"{BACKEND_PACKAGE}.deny_all",
    "airflow.api.auth.backend.kerberos_auth": f"{BACKEND_PACKAGE}.kerberos_auth",
    "airflow.api.auth.backend.basic_auth": f"{BACKEND_PACKAGE}.password_auth",
    "airflow.contrib.auth.backends.password_auth": f"{BACKEND_PACKAGE}.password_auth",
}


@dataclass(frozen=True)
class Identity:
    """Who made a request: recorded on what the request changes (audit log, triggered_by)."""

    name: str
    method: str  # "anonymous", "password", "kerberos"
    # Headers the response must carry, e.g. the SPNEGO mutual-authentication token.
    response_headers: dict[str, str] = field(default_factory=dict)


ANONYMOUS = Identity(name="anonymous", method="anonymous")


class Unauthenticated(Exception):
    """401: no or bad credentials. ``challenge`` becomes the WWW-Authenticate header."""

    def __init__(self, challenge: str, message: str = "Unauthorized") -> None:
        super().__init__(message)
        self.challenge = challenge
        self.message = message


class Forbidden(Exception):
    """403: the caller is known but may not do this."""

    def __init__(self, message: str = "Forbidden") -> None:
        super().__init__(message)
        self.message = message


class TooManyRequests(Exception):
    """429: too many failed logins lately; ``retry_after`` becomes the Retry-After header."""

    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


class AuthBackend(Protocol):
    async def authenticate(self, request: Request) -> Identity: ...


def resolve_backend_name(name: str) -> str:
    module = ALIASES.get(name.strip(), name.strip())
    if module != name.strip():
        log.info("Auth backend %s is Airflow's name; using %s", name, module)
    return module


def load_backend(config: Config, database: Database) -> AuthBackend:
    """Import the backend named by ``[api] auth_backend``; an unknown name is a ConfigError."""
    configured = str(config.get("api", "auth_backend"))
    module_name = resolve_backend_name(configured)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"[api] auth_backend = {configured!r} (from {config.source('api', 'auth_backend')}) "
            f"cannot be loaded: {exc}. Use one of {BACKEND_PACKAGE}.default, .deny_all, "
            ".password_auth or .kerberos_auth."
        ) from None
    factory = getattr(module, "create_backend", None)
    if factory is None:
        raise ConfigError(f"Auth backend module {module_name} has no create_backend().")
    return factory(config, database)
