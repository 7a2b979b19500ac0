"""``GET /health``: 200 when the database answers and a scheduler heartbeated recently."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.api.experimental._common import blocking, config, database
from tradewind.operations.health import check_celery_broker, check_health, check_triggerer

router = APIRouter()


@router.get(
    "/health",
    responses={
        503: {
            "description": "Something is unhealthy; the body says what",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    summary="Metadatabase, scheduler, triggerer and (CeleryExecutor) broker health; 503 if not",
)
async def health(request: Request) -> JSONResponse:
    settings = config(request)
    threshold = settings.get("scheduler", "scheduler_health_check_threshold")
    healthy, shown = await blocking(check_health, database(request), threshold)
    # Reported, not required: a deployment without deferrable tasks runs no triggerer.
    shown["triggerer"] = await blocking(
        check_triggerer,
        database(request),
        settings.get("triggerer", "triggerer_health_check_threshold"),
    )
    if settings.get("core", "executor") == "CeleryExecutor":
        broker_ok, shown["celery_broker"] = await blocking(
            check_celery_broker,
            str(settings.get("celery", "broker_url")),
            float(settings.get("celery", "operation_timeout")),
        )
        healthy = healthy and broker_ok
    return JSONResponse(shown, status_code=200 if healthy else 503)
