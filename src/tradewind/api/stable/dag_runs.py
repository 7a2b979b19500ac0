"""``/dags/{dag_id}/dagRuns``: list (``~`` for every DAG), get, trigger, set state or note,
clear, delete, and the batch list ``POST /dags/~/dagRuns/list``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tradewind.api.stable import paging, params, schemas
from tradewind.api.stable._common import (
    FastJSONResponse,
    actor,
    blocking,
    config,
    database,
    json_body,
    parse_body,
    quick_read,
)
from tradewind.api.stable.dags import dag_not_found, only_fields
from tradewind.api.stable.problems import Problem
from tradewind.db.models import DagRunState
from tradewind.exceptions import BadRequest, DagNotFound, DagRunNotFound
from tradewind.operations import clearing, dag_runs, run_changes, run_list

router = APIRouter(tags=["DAGRun"])

_ARRAY = {"type": "array", "items": {"type": "string"}}
_DATE = {"type": "string", "format": "date-time"}
LIST_PARAMETERS = [
    *paging.PAGE_PARAMETERS,
    paging.order_parameter(sorted(run_list.ORDER_COLUMNS), "id"),
    *(
        {"name": f"{field}_{bound}", "in": "query", "schema": _DATE}
        for field in ("execution_date", "start_date", "end_date")
        for bound in ("gte", "lte")
    ),
    {
        "name": "state",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string", "enum": list(DagRunState)}},
    },
    {
        "name": "fields",
        "in": "query",
        "schema": {"type": "array", "items": {"enum": list(schemas.DAGRun.model_fields)}},
    },
]
_UNSUPPORTED = ("updated_at_gte", "updated_at_lte")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def run_json(row: Any) -> dict[str, Any]:
    """Airflow's ``DAGRun`` object from a row of ``run_list.COLUMNS`` (or a DagRun)."""
    logical = row.execution_date.isoformat()
    return {
        "dag_run_id": row.run_id,
        "dag_id": row.dag_id,
        "logical_date": logical,
        "execution_date": logical,
        "start_date": iso(row.start_date),
        "end_date": iso(row.end_date),
        "data_interval_start": iso(row.data_interval_start),
        "data_interval_end": iso(row.data_interval_end),
        "last_scheduling_decision": None,
        "run_type": row.run_type,
        "state": row.state,
        "external_trigger": bool(row.external_trigger),
        "conf": row.conf or {},
        "note": row.note,
    }


def run_not_found(dag_id: str, run_id: str) -> Problem:
    return Problem(
        404,
        f"DAGRun with DAG ID: '{dag_id}' and DagRun ID: '{run_id}' not found",
        title="DAGRun not found",
    )


def _filter(dag_id: str, query: QueryParams) -> run_list.RunFilter:
    for name in _UNSUPPORTED:
        if query.get(name):
            raise BadRequest(f"'{name}' is not supported: Tradewind keeps no updated_at on runs")
    states = params.strings(query, "state")
    for state in states:
        if state not in DagRunState.__members__.values():
            raise BadRequest(f"{state!r} is not a dag run state - 'state'")
    return run_list.RunFilter(
        dag_ids=None if dag_id == "~" else (dag_id,),
        states=states,
        execution_date_gte=params.date(query, "execution_date_gte"),
        execution_date_lte=params.date(query, "execution_date_lte"),
        start_date_gte=params.date(query, "start_date_gte"),
        start_date_lte=params.date(query, "start_date_lte"),
        end_date_gte=params.date(query, "end_date_gte"),
        end_date_lte=params.date(query, "end_date_lte"),
    )


@router.get(
    "/dags/{dag_id}/dagRuns",
    operation_id="get_dag_runs",
    response_model=schemas.DAGRunCollection,
    responses=schemas.errors(400),
    openapi_extra={
        "parameters": LIST_PARAMETERS,
        **schemas.refused(*_UNSUPPORTED, why="runs keep no updated_at"),
    },
    summary="List a DAG's runs ('~' for every DAG's)",
)
async def get_dag_runs(request: Request, dag_id: str) -> JSONResponse:
    query = request.query_params
    fields = params.fields(query, schemas.DAGRun.model_fields)
    page = paging.page(query, config(request))
    order = paging.order_names(page.order_by, run_list.ORDER_COLUMNS, "id")
    shown, total = await quick_read(
        run_list.list_runs_page,
        database(request),
        _filter(dag_id, query),
        limit=page.limit,
        offset=page.offset,
        order=(order,),
    )
    if fields:
        shown = [only_fields(run, fields) for run in shown]
    return FastJSONResponse({"dag_runs": shown, "total_entries": total})


@router.post(
    "/dags/~/dagRuns/list",
    operation_id="get_dag_runs_batch",
    response_model=schemas.DAGRunCollection,
    responses=schemas.errors(400),
    openapi_extra={"requestBody": schemas.body(schemas.ListDagRunsForm)},
    summary="List runs of many DAGs (the filters in the body)",
)
async def get_dag_runs_batch(request: Request) -> JSONResponse:
    form = parse_body(schemas.ListDagRunsForm, await json_body(request))
    limit = paging.page_limit(
        None if form.page_limit is None else str(form.page_limit), config(request)
    )
    order = paging.order_names(form.order_by, run_list.ORDER_COLUMNS, "id")
    run_filter = run_list.RunFilter(
        dag_ids=tuple(form.dag_ids) if form.dag_ids else None,
        states=tuple(form.states or ()),
        execution_date_gte=params.utc(form.execution_date_gte),
        execution_date_lte=params.utc(form.execution_date_lte),
        start_date_gte=params.utc(form.start_date_gte),
        start_date_lte=params.utc(form.start_date_lte),
        end_date_gte=params.utc(form.end_date_gte),
        end_date_lte=params.utc(form.end_date_lte),
    )
    shown, total = await blocking(
        run_list.list_runs_page,
        database(request),
        run_filter,
        limit=limit,
        offset=form.page_offset or 0,
        order=(order,),
    )
    return JSONResponse({"dag_runs": shown, "total_entries": total})


@router.post(
    "/dags/{dag_id}/dagRuns",
    operation_id="post_dag_run",
    response_model=schemas.DAGRun,
    responses=schemas.errors(400, 404, 409, 413),
    openapi_extra={"requestBody": schemas.body(schemas.TriggerDAGRun)},
    summary="Trigger a run (queued; a paused DAG's run waits for the unpause)",
)
async def post_dag_run(request: Request, dag_id: str) -> JSONResponse:
    body = await json_body(request)
    for name in ("data_interval_start", "data_interval_end"):
        if name in body and body[name] is None:
            raise BadRequest(f"None is not of type 'string' - '{name}' (leave it out instead)")
    form = parse_body(schemas.TriggerDAGRun, body)
    logical = _logical_date(body)
    interval = _interval(form)
    try:
        run = await blocking(
            dag_runs.trigger_dag,
            database(request),
            dag_id,
            run_id=form.dag_run_id,
            conf=body.get("conf"),
            execution_date=logical,
            replace_microseconds=False,
            note=form.note,
            data_interval=interval,
            actor=actor(request),
            config=config(request),
        )
    except DagNotFound:
        raise dag_not_found(dag_id) from None
    return JSONResponse(run_json(run))


def _logical_date(body: dict[str, Any]) -> datetime | None:
    """``logical_date`` or its old name ``execution_date``; both must then agree."""
    logical = body.get("logical_date")
    execution = body.get("execution_date")
    dates = {
        name: params.date_value(name, value)
        for name, value in (("logical_date", logical), ("execution_date", execution))
        if value is not None
    }
    if len(dates) == 2 and dates["logical_date"] != dates["execution_date"]:
        raise BadRequest("logical_date conflicts with execution_date")
    return dates.get("logical_date") or dates.get("execution_date")


def _interval(form: schemas.TriggerDAGRun) -> tuple[datetime, datetime] | None:
    start, end = params.utc(form.data_interval_start), params.utc(form.data_interval_end)
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise BadRequest("data_interval_start and data_interval_end must be given together")
    if start > end:
        raise BadRequest("data_interval_start must not be after data_interval_end")
    return start, end


@router.get(
    "/dags/{dag_id}/dagRuns/{dag_run_id}",
    operation_id="get_dag_run",
    response_model=schemas.DAGRun,
    responses=schemas.errors(404),
    openapi_extra={"parameters": [LIST_PARAMETERS[-1]]},
    summary="Get a DAG run",
)
async def get_dag_run(request: Request, dag_id: str, dag_run_id: str) -> JSONResponse:
    fields = params.fields(request.query_params, schemas.DAGRun.model_fields)
    row = await quick_read(run_list.get_run_row, database(request), dag_id, dag_run_id)
    if row is None:
        raise run_not_found(dag_id, dag_run_id)
    return JSONResponse(only_fields(run_json(row), fields))


@router.patch(
    "/dags/{dag_id}/dagRuns/{dag_run_id}",
    operation_id="update_dag_run_state",
    response_model=schemas.DAGRun,
    responses=schemas.errors(400, 404),
    openapi_extra={"requestBody": schemas.body(schemas.UpdateDagRunState)},
    summary="Set a run's state: success, failed or queued",
)
async def update_dag_run_state(request: Request, dag_id: str, dag_run_id: str) -> JSONResponse:
    form = parse_body(schemas.UpdateDagRunState, await json_body(request))
    await _changing(
        request,
        dag_id,
        dag_run_id,
        run_changes.set_dag_run_state,
        form.state,
        config=config(request),
    )
    return await _shown(request, dag_id, dag_run_id)


@router.patch(
    "/dags/{dag_id}/dagRuns/{dag_run_id}/setNote",
    operation_id="set_dag_run_note",
    response_model=schemas.DAGRun,
    responses=schemas.errors(400, 404),
    openapi_extra={"requestBody": schemas.body(schemas.SetDagRunNote)},
    summary="Set the run's note",
)
async def set_dag_run_note(request: Request, dag_id: str, dag_run_id: str) -> JSONResponse:
    form = parse_body(schemas.SetDagRunNote, await json_body(request))
    await _changing(request, dag_id, dag_run_id, run_changes.set_dag_run_note, form.note)
    return await _shown(request, dag_id, dag_run_id)


@router.post(
    "/dags/{dag_id}/dagRuns/{dag_run_id}/clear",
    operation_id="clear_dag_run",
    responses={
        200: {
            "description": "The run (cleared), or with dry_run the task instances it would clear",
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/DAGRun"},
                            {"$ref": "#/components/schemas/TaskInstanceReferenceCollection"},
                        ]
                    }
                }
            },
        },
        **schemas.errors(400, 404),
    },
    openapi_extra={"requestBody": schemas.body(schemas.ClearDagRun)},
    summary="Clear every task instance of the run (dry_run, the default, only lists them)",
)
async def clear_dag_run(request: Request, dag_id: str, dag_run_id: str) -> JSONResponse:
    form = parse_body(schemas.ClearDagRun, await json_body(request))
    row = await quick_read(run_list.get_run_row, database(request), dag_id, dag_run_id)
    if row is None:
        raise run_not_found(dag_id, dag_run_id)
    cleared = await blocking(
        clearing.clear_task_instances,
        database(request),
        config(request),
        dag_id,
        run_id=dag_run_id,
        dry_run=form.dry_run,
        actor=actor(request),
    )
    if form.dry_run:
        logical = row.execution_date.isoformat()
        refs = [
            {
                "task_id": item.task_id,
                "dag_id": item.dag_id or dag_id,
                "execution_date": logical,
                "dag_run_id": item.run_id,
            }
            for item in cleared
        ]
        return JSONResponse({"task_instances": refs})
    return await _shown(request, dag_id, dag_run_id)


@router.delete(
    "/dags/{dag_id}/dagRuns/{dag_run_id}",
    operation_id="delete_dag_run",
    status_code=204,
    responses=schemas.errors(400, 404),
    summary="Delete a run with its task instances and XComs (logs stay)",
)
async def delete_dag_run(request: Request, dag_id: str, dag_run_id: str) -> Response:
    await _changing(request, dag_id, dag_run_id, run_changes.delete_dag_run)
    return Response(status_code=204)


async def _changing(
    request: Request, dag_id: str, run_id: str, change: Any, *args: Any, **kwargs: Any
) -> None:
    """Call ``change(db, dag_id, run_id, *args, actor=..., **kwargs)``; 404s in Airflow's words."""
    try:
        await blocking(
            change, database(request), dag_id, run_id, *args, actor=actor(request), **kwargs
        )
    except DagNotFound:
        raise dag_not_found(dag_id) from None
    except DagRunNotFound:
        raise run_not_found(dag_id, run_id) from None


async def _shown(request: Request, dag_id: str, run_id: str) -> JSONResponse:
    row = await blocking(run_list.get_run_row, database(request), dag_id, run_id)
    if row is None:
        raise run_not_found(dag_id, run_id)
    return JSONResponse(run_json(row))
