"""DAG-level endpoints: list (extension), pause, code, delete."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.api.experimental import schemas
from tradewind.api.experimental._common import blocking, config, database, quick_read
from tradewind.api.responses import actor
from tradewind.operations import dags

router = APIRouter()


@router.get(
    "/dags",
    response_model=list[schemas.Dag],
    summary="Every active DAG (Tradewind extension)",
)
async def list_dags(request: Request) -> JSONResponse:
    return JSONResponse(await quick_read(dags.list_dags, database(request)))


@router.get(
    "/dags/{dag_id}/paused/{paused}",
    response_model=schemas.Ok,
    responses=schemas.errors(400, 404),
    summary="Pause (true) or unpause (false) a DAG",
)
async def set_paused(request: Request, dag_id: str, paused: str) -> JSONResponse:
    value = dags.parse_paused(paused)
    await blocking(
        dags.set_paused,
        database(request),
        dag_id,
        value,
        actor=actor(request),
        config=config(request),
    )
    return JSONResponse({"response": "ok"})


@router.get(
    "/dags/{dag_id}/paused",
    response_model=schemas.Paused,
    responses=schemas.errors(404),
    summary="Whether a DAG is paused",
)
async def is_paused(request: Request, dag_id: str) -> JSONResponse:
    return JSONResponse({"is_paused": await quick_read(dags.is_paused, database(request), dag_id)})


@router.get(
    "/dags/{dag_id}/code",
    responses={200: {"model": str}, **schemas.errors(404)},
    summary="Source of the DAG's file, as a JSON string",
)
async def dag_code(request: Request, dag_id: str) -> JSONResponse:
    return JSONResponse(await quick_read(dags.get_dag_code, database(request), dag_id))


async def _delete(request: Request, dag_id: str) -> JSONResponse:
    count = await blocking(dags.delete_dag, database(request), dag_id, actor=actor(request))
    return JSONResponse({"message": f"Removed {count} record(s)", "count": count})


router.add_api_route(
    "/dags/{dag_id}",
    _delete,
    methods=["DELETE"],
    response_model=schemas.Deleted,
    responses=schemas.errors(404),
    summary="Delete a DAG's records (runs, task instances, XComs)",
    name="delete_dag",
)
router.add_api_route(
    "/dags/{dag_id}/delete_dag",
    _delete,
    methods=["DELETE"],
    response_model=schemas.Deleted,
    responses=schemas.errors(404),
    summary="Alias of DELETE /dags/{dag_id}, the path Airflow's json_client calls",
    name="delete_dag_alias",
)
