"""Airflow 2's stable REST API under ``/api/v1``, wire-compatible, one module per resource.

It is its own small FastAPI app (:func:`create_app`), mounted at :data:`PREFIX` by
:func:`tradewind.api.app.create_app`: so its errors are problem JSON (``problems.py``)
while the experimental API keeps ``{"error": ...}``, and its OpenAPI document
(``/api/v1/openapi.json``, ``/api/v1/openapi.yaml``) holds only its own paths. The same
auth middleware as the experimental API guards it (it runs in the parent app, before the
mount, for every path under ``/api/experimental`` and ``/api/v1``).

How a resource module plugs in (``pools.py``, ``variables.py``...):

1. Create ``tradewind/api/stable/<resource>.py`` with ``router = APIRouter(tags=[...])`` and
   routes at Airflow's paths *without* the prefix (``@router.get("/pools")``).
2. Handlers stay thin: read parameters (``paging.page(request.query_params, config)`` for
   lists, ``params.boolean/date/strings`` for the rest), call a function of
   ``tradewind.operations``, return ``JSONResponse`` of the resource's Airflow shape; a list
   is ``paging.collection("pools", items, total)``. A body is
   ``_common.parse_body(schemas.Model, await _common.json_body(request))`` with a
   ``schemas.Body`` subclass (unknown fields and wrong JSON types are 400s). Use
   ``_common.database(request)`` / ``config(request)`` / ``actor(request)``, ``quick_read``
   for short indexed reads, ``blocking`` for writes and anything slow.
3. Raise ``NotFound``/``BadRequest`` (from ``tradewind.exceptions``) or
   ``problems.Problem(409, ...)``; ``problems.py`` turns them into problem JSON.
4. Describe bodies and answers with the pydantic models in ``schemas.py`` (Airflow's schema
   names: ``Pool``, ``PoolCollection``...) via ``response_model=``, ``responses=
   schemas.errors(404, ...)`` and ``openapi_extra={"requestBody": schemas.body(Model),
   "parameters": [...]}``, so the served document says what the server enforces (the
   schemathesis run holds it to that).
5. Add the module to :data:`RESOURCES` below (order matters only where paths overlap).
"""

from __future__ import annotations

from types import ModuleType

from fastapi import FastAPI

from tradewind import __version__
from tradewind.api.stable import (
    configuration,
    connections,
    dag_runs,
    dags,
    import_errors,
    monitoring,
    openapi,
    pools,
    problems,
    task_instances,
    variables,
)
from tradewind.config import Config
from tradewind.db.engine import Database

PREFIX = "/api/v1"

# Resource modules, each exposing ``router``.
RESOURCES: tuple[ModuleType, ...] = (dags, dag_runs, task_instances)
RESOURCES += (pools, variables, connections, import_errors, monitoring, configuration)


def create_app(config: Config, database: Database) -> FastAPI:
    """The ``/api/v1`` app, to mount at :data:`PREFIX` (the parent app authenticates)."""
    app = FastAPI(
        title="Airflow API (Tradewind)",
        version=__version__,
        openapi_url=None,  # served by openapi.router, as JSON and YAML
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.config = config
    app.state.database = database
    app.state.security_scheme = openapi.security_scheme(str(config.get("api", "auth_backend")))
    problems.install(app)
    for module in RESOURCES:
        app.include_router(module.router)
    app.include_router(openapi.router)
    return app
