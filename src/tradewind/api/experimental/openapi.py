"""The served OpenAPI document, told the rules the handlers really enforce.

FastAPI writes each path parameter as a bare string, because the handlers take plain
strings on purpose: the rules and their error texts live in ``operations/`` (shared with
the CLI and the UI), and per-parameter validation would cost time on the hottest paths.
This module writes those rules into the document, adds what every endpoint can answer
(the auth backend's 401 and 403), so that clients and fuzzers see what the server
accepts.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tradewind.api.experimental import schemas

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
            "pattern": schemas.NOT_BLANK,
        },
    },
}

QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "try_number": {
        "description": "Which try (default: the latest)",
        "schema": schemas.or_empty({"type": "integer", "minimum": 1}),
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
}


def install(app: FastAPI, prefix: str) -> None:
    """Serve the refined document at the app's ``openapi_url`` (built once, on first ask)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = refine(FastAPI.openapi(app), prefix)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def refine(document: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``document`` with the parameter rules and the auth answers written in."""
    schemas_section = document.setdefault("components", {}).setdefault("schemas", {})
    schemas_section.setdefault("Error", schemas.Error.model_json_schema())
    for path, operations in document["paths"].items():
        for operation in operations.values():
            _refine_parameters(operation)
            if path.startswith(prefix):
                operation["responses"].update(AUTH_RESPONSES)
    return document


def _refine_parameters(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        table = PATH_PARAMETERS if parameter["in"] == "path" else QUERY_PARAMETERS
        rule = table.get(parameter["name"])
        if rule is not None:
            parameter.update(rule)
