"""``/api/v1/health`` and ``/api/v1/version``.

Health is Airflow's: always 200 (the body says what is unhealthy; the status code only
says the webserver answered), and readable without credentials
(``tradewind.api.middleware.PUBLIC_PATHS``), so a load balancer or a
monitor can poll it. ``/health`` at the root keeps the experimental API's 503.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind import __version__
from tradewind.api.stable import admin_schemas as schemas
from tradewind.api.stable._common import blocking, config, database
from tradewind.operations.health import check_dag_processor, check_health, check_triggerer

router = APIRouter(tags=["Monitoring"])


@router.get(
    "/health",
    operation_id="get_health",
    response_model=schemas.HealthInfo,
    openapi_extra={"security": []},
    summary="Metadatabase, scheduler, triggerer and DAG processor status (no credentials)",
)
async def get_health(request: Request) -> JSONResponse:
    settings = config(request)
    db = database(request)
    threshold = settings.get("scheduler", "scheduler_health_check_threshold")
    _healthy, shown = await blocking(check_health, db, threshold)
    shown["triggerer"] = await blocking(
        check_triggerer, db, settings.get("triggerer", "triggerer_health_check_threshold")
    )
    shown["dag_processor"] = check_dag_processor()
    return JSONResponse(shown)


@router.get(
    "/version",
    operation_id="get_version",
    response_model=schemas.VersionInfo,
    summary="Tradewind's version",
)
async def get_version(_request: Request) -> JSONResponse:
    info: dict[str, Any] = {"version": __version__, "git_version": None}
    return JSONResponse(info)
