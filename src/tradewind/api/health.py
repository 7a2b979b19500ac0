"""``GET /health``: 200 when the database answers and a scheduler heartbeated recently."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.api.experimental._common import blocking, config, database
from tradewind.operations.health import check_health

router = APIRouter()


@router.get("/health", summary="Metadatabase and scheduler health (503 when unhealthy)")
async def health(request: Request) -> JSONResponse:
    threshold = config(request).get("scheduler", "scheduler_health_check_threshold")
    healthy, shown = await blocking(check_health, database(request), threshold)
    return JSONResponse(shown, status_code=200 if healthy else 503)
