"""Triggering runs, listing a DAG's runs, reading one run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.api.experimental import schemas
from tradewind.api.experimental._common import blocking, config, database, quick_read
from tradewind.api.responses import actor, json_object
from tradewind.operations import dag_runs

router = APIRouter()


@router.post(
    "/dags/{dag_id}/dag_runs",
    response_model=schemas.Triggered,
    responses={200: {"links": schemas.RUN_LINKS}, **schemas.errors(400, 404, 413)},
    openapi_extra=schemas.json_body(schemas.TriggerBody),
    summary="Trigger a run (queued; a paused DAG's run waits for the unpause)",
)
async def trigger(request: Request, dag_id: str) -> JSONResponse:
    body = await json_object(request)
    flag = body.get("detailed_output")
    # Checked before triggering: a bad flag must not leave a run behind.
    detailed = flag is not None and dag_runs.parse_flag("detailed_output", flag)
    run = await blocking(
        dag_runs.trigger_dag,
        database(request),
        dag_id,
        run_id=body.get("run_id"),
        conf=body.get("conf"),
        execution_date=body.get("execution_date"),
        replace_microseconds=body.get("replace_microseconds"),
        actor=actor(request),
        config=config(request),
    )
    shown: dict[str, Any] = {
        "message": f"Created {run!r}",
        "execution_date": run.execution_date.isoformat(),
        "run_id": run.run_id,
    }
    if detailed:
        shown.update(dag_runs.run_to_dict(run))
    return JSONResponse(shown)


@router.get(
    "/dags/{dag_id}/dag_runs",
    response_model=list[schemas.DagRun],
    responses=schemas.errors(400, 404),
    openapi_extra={"parameters": schemas.LIST_PARAMETERS},
    summary="A DAG's runs, oldest first (no limit: all of them)",
)
async def list_runs(request: Request, dag_id: str) -> JSONResponse:
    # Query parameters read by hand (documented in LIST_PARAMETERS): FastAPI's per-parameter
    # machinery cost more than the database query on this, the hottest list.
    query = request.query_params
    runs = await quick_read(
        dag_runs.list_dag_runs,
        database(request),
        dag_id,
        state=query.get("state"),
        limit=query.get("limit"),
        offset=query.get("offset"),
        execution_date_gte=query.get("execution_date_gte"),
        execution_date_lte=query.get("execution_date_lte"),
        max_limit=config(request).get("api", "maximum_page_limit"),
    )
    return JSONResponse(runs)


@router.get(
    "/dags/{dag_id}/dag_runs/{execution_date:path}",
    operation_id="get_dag_run",
    response_model=schemas.DagRunDetail,
    responses=schemas.errors(400, 404),
    summary="One run, by execution date or (Tradewind extension) by run id",
)
async def get_run(request: Request, dag_id: str, execution_date: str) -> JSONResponse:
    shown = await quick_read(dag_runs.get_dag_run, database(request), dag_id, execution_date)
    return JSONResponse(shown)
