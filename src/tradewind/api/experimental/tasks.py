"""A task's attributes and a task instance's, every value a string (as Airflow)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse

from tradewind.api.experimental import schemas
from tradewind.api.experimental._common import blocking, config, database, quick_read
from tradewind.operations import task_instances

router = APIRouter()


@router.get(
    "/dags/{dag_id}/tasks/{task_id}",
    responses={200: {"model": dict[str, str]}, **schemas.errors(404)},
    summary="A task's public attributes",
)
async def get_task(request: Request, dag_id: str, task_id: str) -> JSONResponse:
    shown = await quick_read(task_instances.get_task, database(request), dag_id, task_id)
    return JSONResponse(shown)


@router.get(
    "/dags/{dag_id}/dag_runs/{execution_date}/tasks/{task_id}",
    responses={200: {"model": schemas.TaskInstance}, **schemas.errors(400, 404)},
    summary="A task instance's public attributes",
)
async def get_task_instance(
    request: Request,
    dag_id: str,
    execution_date: str,
    task_id: str,
    map_index: str | None = None,
) -> JSONResponse:
    """``?map_index=N`` answers for one instance of a mapped task (default: unmapped)."""
    shown = await quick_read(
        task_instances.get_task_instance,
        database(request),
        dag_id,
        execution_date,
        task_id,
        map_index,
    )
    return JSONResponse(shown)


@router.get(
    "/dags/{dag_id}/dag_runs/{execution_date}/tasks/{task_id}/logs",
    response_model=schemas.TaskLog,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **schemas.errors(400, 404),
    },
    summary="A try's log (Tradewind extension; the bare text with ?format=text)",
)
async def get_task_log(
    request: Request,
    dag_id: str,
    execution_date: str,
    task_id: str,
    try_number: str | None = None,
    format: str | None = None,
    map_index: str | None = None,
) -> JSONResponse | PlainTextResponse:
    shown = await blocking(
        task_instances.read_task_log,
        database(request),
        config(request),
        dag_id,
        execution_date,
        task_id,
        try_number,
        map_index,
    )
    if format == "text":
        return PlainTextResponse(shown["content"])
    return JSONResponse(shown)
