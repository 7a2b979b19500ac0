"""Lineage of a run: each task's declared inlets and outlets."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.api.experimental import schemas
from tradewind.api.experimental._common import database, quick_read
from tradewind.operations import lineage

router = APIRouter()


@router.get(
    "/lineage/{dag_id}/{execution_date}",
    operation_id="get_lineage",
    response_model=schemas.Lineage,
    responses=schemas.errors(400, 404),
    summary="Inlets and outlets of every task, for the run at this date",
)
async def get_lineage(request: Request, dag_id: str, execution_date: str) -> JSONResponse:
    return JSONResponse(
        await quick_read(lineage.get_lineage, database(request), dag_id, execution_date)
    )
