"""``/test``, ``/info`` and ``/latest_runs``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind import __version__
from tradewind.api.experimental import schemas
from tradewind.api.experimental._common import blocking, database
from tradewind.operations import dag_runs

router = APIRouter()


@router.get("/test", response_model=schemas.Status, summary="Is the API up?")
async def test() -> JSONResponse:
    return JSONResponse({"status": "OK"})


@router.get("/info", response_model=schemas.Info, summary="Tradewind's version")
async def info() -> JSONResponse:
    return JSONResponse({"version": __version__})


@router.get(
    "/latest_runs",
    response_model=schemas.LatestRuns,
    summary="The newest run of every DAG",
)
async def latest_runs(request: Request) -> JSONResponse:
    items = await blocking(dag_runs.latest_runs, database(request))
    return JSONResponse({"items": items})
