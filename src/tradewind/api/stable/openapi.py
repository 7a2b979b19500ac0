"""``/api/v1/openapi.json`` and ``/api/v1/openapi.yaml``: the stable API's document.

Generated from the routes and the pydantic models of ``schemas.py``, then given what
FastAPI cannot know: the ``servers`` entry (``/api/v1``), the ``Error`` schema every error
answer refers to, the request-body schemas handlers read by hand, the 401/403 every call
may answer, and the security scheme of the configured auth backend. Paths and fields
Tradewind adds carry ``x-tradewind: true``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import Response

from tradewind.api.auth.base import resolve_backend_name
from tradewind.api.experimental.openapi import SECURITY_SCHEMES
from tradewind.api.stable import schemas

router = APIRouter(include_in_schema=False)

AIRFLOW_API_VERSION = "2.10.5"
REF_TEMPLATE = "#/components/schemas/{model}"


def security_scheme(auth_backend: str) -> dict[str, Any] | None:
    """What the configured ``[api] auth_backend`` asks for (the experimental API's table)."""
    return SECURITY_SCHEMES.get(resolve_backend_name(auth_backend))


def document(app: FastAPI) -> dict[str, Any]:
    """The document, built once per app (routes do not change after start-up)."""
    cached: dict[str, Any] | None = getattr(app.state, "openapi_document", None)
    if cached is not None:
        return cached
    built = get_openapi(
        title="Airflow API (Stable), served by Tradewind",
        version=AIRFLOW_API_VERSION,
        description=(
            "Airflow 2's stable REST API as Tradewind serves it. Errors are RFC 7807 problem "
            "JSON. Anything marked `x-tradewind` is Tradewind's, not Airflow's."
        ),
        routes=app.routes,
        servers=[{"url": "/api/v1", "description": "Apache Airflow Stable API."}],
    )
    components = built.setdefault("components", {}).setdefault("schemas", {})
    # Like Airflow's document, an answer's object requires no property: ``?fields=``
    # returns only the ones asked for.
    for schema in components.values():
        schema.pop("required", None)
    models: list[type[BaseModel]] = [schemas.Error, *schemas.BODY_MODELS]
    _, extra = models_json_schema(
        [(model, "validation") for model in models], ref_template=REF_TEMPLATE
    )
    for name, schema in extra.get("$defs", {}).items():
        components.setdefault(name, schema)
    _add_auth_answers(built, app)
    built["info"]["x-tradewind-version"] = app.version
    app.state.openapi_document = built
    return built


def _add_auth_answers(built: dict[str, Any], app: FastAPI) -> None:
    scheme = getattr(app.state, "security_scheme", None)
    if scheme is not None:
        built["components"]["securitySchemes"] = {"api_auth": scheme}
        built["security"] = [{"api_auth": []}]
    # Any call can be refused as unauthenticated or forbidden, and any query string be bad.
    answers = schemas.errors(400, 401, 403)
    for operations in built.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, answer in answers.items():
                responses.setdefault(str(status), copy.deepcopy(answer))


@router.get("/openapi.json")
def openapi_json(request: Request) -> Response:
    return Response(json.dumps(document(request.app)), media_type="application/json")


@router.get("/openapi.yaml")
def openapi_yaml(request: Request) -> Response:
    import yaml  # asked for rarely: an idle webserver does without it (1 MiB)

    text = yaml.safe_dump(document(request.app), sort_keys=False, allow_unicode=True)
    return Response(text, media_type="application/x-yaml")
