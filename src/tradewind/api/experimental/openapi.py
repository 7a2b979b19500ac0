"""The served OpenAPI document, told the rules the handlers really enforce.

FastAPI writes each path parameter as a bare string, because the handlers take plain
strings on purpose: the rules and their error texts live in ``operations/`` (shared with
the CLI and the UI), and per-parameter validation would cost time on the hottest paths.
This module writes those rules into the document, with what every API call can answer
(the auth backend's 401 and 403) and the credentials the configured backend wants, so
that clients and fuzzers see what the server really accepts.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tradewind.api.auth.base import BACKEND_PACKAGE, resolve_backend_name
from tradewind.api.experimental import schemas

# What each built-in ``[api] auth_backend`` asks for, in OpenAPI's words (the scheme is
# the one its 401 challenge names). The default backend asks for nothing; a backend not
# listed here is documented by its 401 and 403 answers only.
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    f"{BACKEND_PACKAGE}.password_auth": {"type": "http", "scheme": "basic"},
    f"{BACKEND_PACKAGE}.kerberos_auth": {"type": "http", "scheme": "negotiate"},
    f"{BACKEND_PACKAGE}.deny_all": {
        "type": "http",
        "scheme": "DenyAll",
        "description": "No credentials are accepted: the API is switched off",
    },
}
SECURITY_NAME = "api_auth"

PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "paused": {
        "description": "true to pause, false to unpause (any case)",
        "schema": {"type": "string", "enum": ["true", "false"]},
    },
    "execution_date": {
        "description": "The run's execution date, ISO 8601 (naive means UTC); "
        "a run id also works (Tradewind extension)",
        "schema": schemas.DATE_TIME,
    },
    "name": {
        "description": "A pool name (URL-encoded; it may hold '/')",
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": schemas.POOL_NAME_MAX_LENGTH,
            "pattern": schemas.NAME_PATTERN,
        },
    },
}

QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "try_number": {
        "description": "Which try (default: the latest)",
        "schema": schemas.or_empty({"type": "integer", "minimum": 1}),
    },
    "map_index": {
        "description": "Which instance of a mapped task (default: the unmapped one, -1)",
        "schema": schemas.or_empty({"type": "integer", "minimum": -1, "maximum": 2**31 - 1}),
    },
    "format": {
        "description": "text: the bare log as text/plain; anything else: JSON",
        "schema": {"type": "string"},
    },
}

AUTH_RESPONSES: dict[str, dict[str, Any]] = {
    "401": {
        "description": "Not authenticated (the auth backend's challenge is in WWW-Authenticate)",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "403": {
        "description": "Authenticated, but not allowed",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "429": {
        "description": "Too many failed logins for this user name or client address "
        "([webserver] login_failures_per_user / _per_address); try again after Retry-After",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "required": True}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}


def install(app: FastAPI, prefix: str, auth_backend: str) -> None:
    """Serve the refined document at the app's ``openapi_url`` (built once, on first ask).

    ``auth_backend`` is the ``[api] auth_backend`` setting: the document says which
    credentials the API wants, so clients (and fuzzers) know every call needs them.
    """
    security = SECURITY_SCHEMES.get(resolve_backend_name(auth_backend))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = refine(FastAPI.openapi(app), prefix, security)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def refine(
    document: dict[str, Any], prefix: str, security: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``document`` with the parameter rules, the auth answers and the auth scheme."""
    components = document.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault("Error", schemas.Error.model_json_schema())
    if security is not None:
        components["securitySchemes"] = {SECURITY_NAME: security}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            _refine_parameters(operation)
            if path.startswith(prefix):
                operation["responses"].update(AUTH_RESPONSES)
                if security is not None:
                    operation["security"] = [{SECURITY_NAME: []}]
    return document


def _refine_parameters(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        table = PATH_PARAMETERS if parameter["in"] == "path" else QUERY_PARAMETERS
        rule = table.get(parameter["name"])
        if rule is not None:
            parameter.update(rule)
