"""Datasets: record an external update (a Tradewind extension of the experimental API)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.api.experimental import schemas
from tradewind.api.experimental._common import blocking, config, database
from tradewind.api.responses import actor, json_object
from tradewind.operations import datasets

router = APIRouter()


@router.post(
    "/datasets/events",
    operation_id="create_dataset_event",
    response_model=schemas.DatasetEventOut,
    responses=schemas.errors(400, 404, 413),
    openapi_extra=schemas.json_body(schemas.DatasetEventBody, required=True),
    summary="Record an update of a dataset; DAGs scheduled on it are queued",
)
async def create_dataset_event(request: Request) -> JSONResponse:
    body = await json_object(request)
    shown = await blocking(
        datasets.create_dataset_event,
        database(request),
        body,
        actor=actor(request),
        config=config(request),
    )
    return JSONResponse(shown)
