"""Task instances on ``/api/v1``: lists (``~`` for any DAG or run, and the batch form),
one instance (mapped ones by ``/{map_index}``), its state, its log, its XComs, and
``clearTaskInstances``."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from tradewind.api.stable import paging, params, schemas
from tradewind.api.stable._common import (
    actor,
    blocking,
    config,
    database,
    json_body,
    json_object,
    parse_body,
    quick_read,
)
from tradewind.api.stable.dag_runs import run_not_found
from tradewind.api.stable.dags import accepted, dag_not_found
from tradewind.api.stable.problems import Problem
from tradewind.db.models import TaskInstanceState
from tradewind.exceptions import BadRequest, DagNotFound, DagRunNotFound, TaskNotFound
from tradewind.operations import clearing, dags, run_list, task_logs, task_state, xcom_entries
from tradewind.operations import task_instance_list as ti_list
from tradewind.operations.task_instances import MAX_MAP_INDEX

router = APIRouter(tags=["TaskInstance"])


class MapIndexConvertor(Convertor[int]):
    """``{map_index:mapindex}``: a whole number from -1, so ``.../{task_id}/listMapped``
    and ``.../xcomEntries`` never reach the mapped-instance routes."""

    regex = "-?[0-9]{1,10}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("mapindex", MapIndexConvertor())
MapIndex = Annotated[int, Path(ge=-1, le=MAX_MAP_INDEX)]

_ARRAY = {"type": "array", "items": {"type": "string"}}
TI_STATES = [*TaskInstanceState, "restarting", "none"]
_DATE = {"type": "string", "format": "date-time"}
FILTER_PARAMETERS = [
    *(
        {"name": f"{field}_{bound}", "in": "query", "schema": _DATE}
        for field in ("execution_date", "start_date", "end_date", "updated_at")
        for bound in ("gte", "lte")
    ),
    {"name": "duration_gte", "in": "query", "schema": {"type": "number"}},
    {"name": "duration_lte", "in": "query", "schema": {"type": "number"}},
    {
        "name": "state",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string", "enum": TI_STATES}},
    },
    {"name": "pool", "in": "query", "schema": _ARRAY},
    {"name": "queue", "in": "query", "schema": _ARRAY},
]
_BASE = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"
MAP_INDEX_SCHEMA = {"type": "integer", "minimum": -1, "maximum": MAX_MAP_INDEX}


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def ti_json(row: Any) -> dict[str, Any]:
    """Airflow's ``TaskInstance`` object from a row of ``task_instance_list.COLUMNS``."""
    return {
        "task_id": row.task_id,
        "task_display_name": row.task_id,
        "dag_id": row.dag_id,
        "dag_run_id": row.run_id,
        "execution_date": row.execution_date.isoformat(),
        "start_date": iso(row.start_date),
        "end_date": iso(row.end_date),
        "duration": row.duration,
        "state": row.state,
        "try_number": row.try_number,
        "map_index": row.map_index,
        "max_tries": row.max_tries,
        "hostname": row.hostname or "",
        "unixname": row.unixname or "",
        "pool": row.pool,
        "pool_slots": row.pool_slots,
        "queue": row.queue,
        "priority_weight": row.priority_weight,
        "operator": row.operator,
        "queued_when": iso(row.queued_dttm),
        "pid": row.pid,
        "executor": None,
        "executor_config": "{}",
        "sla_miss": None,
        "rendered_map_index": None,
        "rendered_fields": row.rendered_fields or {},
        "trigger": None,
        "triggerer_job": None,
        "note": None,
    }


def ti_not_found() -> Problem:
    return Problem(404, "Task instance not found", title="Task instance not found")


def map_index_of(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise BadRequest(f"{text!r} is not of type 'integer' - 'map_index'") from None
    if not -1 <= number <= MAX_MAP_INDEX:
        raise BadRequest(f"map_index must be from -1 to {MAX_MAP_INDEX}, not {number}")
    return number


def _states(values: Sequence[str | None]) -> tuple[str | None, ...]:
    """Airflow's state filter: ``none`` (or null) means no state yet; others must exist."""
    known = set(TaskInstanceState) | {"restarting"}
    states: list[str | None] = []
    for value in values:
        if value is None or value == "none":
            states.append(None)
        elif value in known:
            states.append(value)
        else:
            raise BadRequest(f"{value!r} is not a task instance state - 'state'")
    return tuple(states)


def _query_filter(query: QueryParams, **key: Any) -> ti_list.TaskInstanceFilter:
    if query.get("executor"):
        raise BadRequest("'executor' is not supported: Tradewind runs every task on one executor")
    return ti_list.TaskInstanceFilter(
        states=_states(params.strings(query, "state")),
        pools=params.strings(query, "pool"),
        queues=params.strings(query, "queue"),
        execution_date_gte=params.date(query, "execution_date_gte"),
        execution_date_lte=params.date(query, "execution_date_lte"),
        start_date_gte=params.date(query, "start_date_gte"),
        start_date_lte=params.date(query, "start_date_lte"),
        end_date_gte=params.date(query, "end_date_gte"),
        end_date_lte=params.date(query, "end_date_lte"),
        updated_at_gte=params.date(query, "updated_at_gte"),
        updated_at_lte=params.date(query, "updated_at_lte"),
        duration_gte=params.number(query, "duration_gte"),
        duration_lte=params.number(query, "duration_lte"),
        **key,
    )


def _one(value: str) -> tuple[str, ...] | None:
    return None if value == "~" else (value,)


@router.get(
    _BASE,
    operation_id="get_task_instances",
    response_model=schemas.TaskInstanceCollection,
    responses=schemas.errors(400),
    openapi_extra={
        "parameters": [*paging.PAGE_PARAMETERS, *FILTER_PARAMETERS],
        **schemas.refused("executor", why="one executor runs every task"),
    },
    summary="List a run's task instances ('~' for any DAG or run)",
)
async def get_task_instances(request: Request, dag_id: str, dag_run_id: str) -> JSONResponse:
    query = request.query_params
    page = paging.page(query, config(request))
    ti_filter = _query_filter(query, dag_ids=_one(dag_id), run_ids=_one(dag_run_id))
    rows, total = await quick_read(
        ti_list.list_task_instances_page,
        database(request),
        ti_filter,
        limit=page.limit,
        offset=page.offset,
    )
    return JSONResponse(paging.collection("task_instances", [ti_json(r) for r in rows], total))


@router.post(
    "/dags/~/dagRuns/~/taskInstances/list",
    operation_id="get_task_instances_batch",
    response_model=schemas.TaskInstanceCollection,
    responses=schemas.errors(400),
    openapi_extra={"requestBody": schemas.body(schemas.ListTaskInstanceForm)},
    summary="List task instances of any DAGs and runs (the filters in the body)",
)
async def get_task_instances_batch(request: Request) -> JSONResponse:
    form = parse_body(schemas.ListTaskInstanceForm, await json_body(request))

    def names(values: list[str] | None) -> tuple[str, ...] | None:
        return tuple(values) if values else None

    ti_filter = ti_list.TaskInstanceFilter(
        dag_ids=names(form.dag_ids),
        run_ids=names(form.dag_run_ids),
        task_ids=names(form.task_ids),
        states=_states(form.state or []),
        pools=tuple(form.pool or ()),
        queues=tuple(form.queue or ()),
        execution_date_gte=params.utc(form.execution_date_gte),
        execution_date_lte=params.utc(form.execution_date_lte),
        start_date_gte=params.utc(form.start_date_gte),
        start_date_lte=params.utc(form.start_date_lte),
        end_date_gte=params.utc(form.end_date_gte),
        end_date_lte=params.utc(form.end_date_lte),
        duration_gte=form.duration_gte,
        duration_lte=form.duration_lte,
    )
    limit = paging.page_limit(
        None if form.page_limit is None else str(form.page_limit), config(request)
    )
    offset = form.page_offset or 0
    rows, total = await blocking(
        ti_list.list_task_instances_page,
        database(request),
        ti_filter,
        limit=limit,
        offset=offset,
    )
    return JSONResponse(paging.collection("task_instances", [ti_json(r) for r in rows], total))


@router.get(
    _BASE + "/{task_id}/listMapped",
    operation_id="get_mapped_task_instances",
    response_model=schemas.TaskInstanceCollection,
    responses=schemas.errors(400, 404),
    openapi_extra={
        "parameters": [
            *paging.PAGE_PARAMETERS,
            *FILTER_PARAMETERS,
            paging.order_parameter(sorted(ti_list.ORDER_COLUMNS), "map_index"),
        ]
    },
    summary="List the instances of a mapped task in a run",
)
async def get_mapped_task_instances(
    request: Request, dag_id: str, dag_run_id: str, task_id: str
) -> JSONResponse:
    query = request.query_params
    page = paging.page(query, config(request))
    order = paging.ordering(
        page.order_by,
        ti_list.ORDER_COLUMNS,
        "map_index",
        [ti_list.ORDER_COLUMNS["map_index"]],
    )
    db = database(request)
    dag = await _structure(request, dag_id)
    task = dag.tasks.get(task_id)
    if task is None:
        raise Problem(404, f"Task id {task_id} not found", title="Task not found")
    if not task.is_mapped:
        raise Problem(404, f"Task id {task_id} is not mapped", title="Task not found")
    if await quick_read(run_list.get_run_row, db, dag_id, dag_run_id) is None:
        raise run_not_found(dag_id, dag_run_id)
    ti_filter = _query_filter(
        query, dag_ids=(dag_id,), run_ids=(dag_run_id,), task_ids=(task_id,), mapped_only=True
    )
    rows, total = await quick_read(
        ti_list.list_task_instances_page,
        db,
        ti_filter,
        limit=page.limit,
        offset=page.offset,
        order_by=order,
    )
    return JSONResponse(paging.collection("task_instances", [ti_json(r) for r in rows], total))


async def _structure(request: Request, dag_id: str) -> Any:
    try:
        return await blocking(dags.read_serialized_dag, database(request), dag_id)
    except DagNotFound:
        raise dag_not_found(dag_id) from None


# --- XComs (before /{map_index}, which would take "xcomEntries") ---------------------------------


def _xcom_entry(row: Any) -> dict[str, Any]:
    return {
        "key": row.key,
        "timestamp": row.timestamp.isoformat(),
        "execution_date": row.execution_date.isoformat(),
        "map_index": row.map_index,
        "task_id": row.task_id,
        "dag_id": row.dag_id,
    }


@router.get(
    _BASE + "/{task_id}/xcomEntries",
    operation_id="get_xcom_entries",
    response_model=schemas.XComCollection,
    responses=schemas.errors(400),
    tags=["XCom"],
    openapi_extra={
        "parameters": [
            *paging.PAGE_PARAMETERS,
            {"name": "map_index", "in": "query", "schema": MAP_INDEX_SCHEMA},
            {"name": "xcom_key", "in": "query", "schema": {"type": "string"}},
        ]
    },
    summary="List XCom entries, without values ('~' for any DAG, run or task)",
)
async def get_xcom_entries(
    request: Request, dag_id: str, dag_run_id: str, task_id: str
) -> JSONResponse:
    query = request.query_params
    page = paging.page(query, config(request))
    index = query.get("map_index")
    rows, total = await quick_read(
        xcom_entries.list_xcom_entries,
        database(request),
        dag_id=None if dag_id == "~" else dag_id,
        run_id=None if dag_run_id == "~" else dag_run_id,
        task_id=None if task_id == "~" else task_id,
        map_index=None if not index else map_index_of(index),
        key=query.get("xcom_key") or None,
        limit=page.limit,
        offset=page.offset,
    )
    return JSONResponse(paging.collection("xcom_entries", [_xcom_entry(r) for r in rows], total))


@router.get(
    _BASE + "/{task_id}/xcomEntries/{xcom_key}",
    operation_id="get_xcom_entry",
    response_model=schemas.XCom,
    responses=schemas.errors(400, 404),
    tags=["XCom"],
    openapi_extra={
        "parameters": [
            {"name": "map_index", "in": "query", "schema": MAP_INDEX_SCHEMA},
            {"name": "deserialize", "in": "query", "schema": {"type": "boolean"}},
            {"name": "stringify", "in": "query", "schema": {"type": "boolean", "default": True}},
        ]
    },
    summary="One XCom entry with its value (a string unless stringify=false)",
)
async def get_xcom_entry(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, xcom_key: str
) -> JSONResponse:
    query = request.query_params
    index = query.get("map_index")
    # deserialize only changes anything with a custom XCom backend; Tradewind has none.
    params.boolean(query, "deserialize", False)
    stringify = params.boolean(query, "stringify", True)
    row = await quick_read(
        xcom_entries.get_xcom_entry,
        database(request),
        dag_id,
        dag_run_id,
        task_id,
        xcom_key,
        map_index_of(index) if index else -1,
    )
    if row is None:
        raise Problem(404, f"XCom entry {xcom_key!r} not found", title="XCom entry not found")
    value = row.value
    if stringify:
        value = str(value)
    return JSONResponse({**_xcom_entry(row), "value": value})


# --- logs ----------------------------------------------------------------------------------------


def _token(log_pos: int, end_of_log: bool) -> str:
    data = json.dumps({"log_pos": log_pos, "end_of_log": end_of_log}).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _log_pos(token: str | None) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position = int(data["log_pos"])
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise BadRequest("Bad Signature. Please use only the tokens provided by the API.") from None
    if position < 0:
        raise BadRequest("Bad Signature. Please use only the tokens provided by the API.")
    return position


@router.get(
    _BASE + "/{task_id}/logs/{task_try_number}",
    operation_id="get_log",
    responses={
        200: {
            "description": "The try's log: JSON with a continuation token, or plain text",
            "content": {
                "application/json": {"schema": schemas.TaskLog.model_json_schema()},
                "text/plain": {"schema": {"type": "string"}},
            },
        },
        **schemas.errors(400, 404, 406),
    },
    openapi_extra={
        "parameters": [
            {"name": "full_content", "in": "query", "schema": {"type": "boolean"}},
            {"name": "map_index", "in": "query", "schema": MAP_INDEX_SCHEMA},
            {
                "name": "token",
                "in": "query",
                "schema": {"type": "string"},
                "description": (
                    "A continuation_token this operation returned: the log is read on from"
                    " where that answer ended. Any other value is a 400."
                ),
            },
        ]
    },
    summary="A try's log",
)
async def get_log(
    request: Request,
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    task_try_number: Annotated[int, Path(ge=1, le=MAX_MAP_INDEX)],
) -> Response:
    query = request.query_params
    kind = accepted(request, ("application/json", "text/plain"))
    try_number = task_try_number
    index = map_index_of(query.get("map_index") or "-1")
    full = params.boolean(query, "full_content", False)
    start = 0 if full else _log_pos(query.get("token"))
    row = await quick_read(
        ti_list.get_task_instance_row, database(request), dag_id, dag_run_id, task_id, index
    )
    if row is None:
        raise ti_not_found()
    _, text = await blocking(
        task_logs.read_task_log, config(request), dag_id, dag_run_id, task_id, try_number, index
    )
    if kind == "text/plain":
        return PlainTextResponse(text[start:])
    finished = row.state in TaskInstanceState.FINISHED or try_number < (row.try_number or 0)
    return JSONResponse(
        {"continuation_token": _token(len(text), finished), "content": text[start:]}
    )


# --- one task instance ---------------------------------------------------------------------------


async def _get(request: Request, dag_id: str, run_id: str, task_id: str, index: int) -> Response:
    row = await quick_read(
        ti_list.get_task_instance_row, database(request), dag_id, run_id, task_id, index
    )
    if row is None:
        raise ti_not_found()
    return JSONResponse(ti_json(row))


async def _patch(request: Request, dag_id: str, run_id: str, task_id: str, index: int) -> Response:
    """PATCH one task instance; Airflow requires the body of an unmapped one only."""
    body = await (json_body(request) if index == -1 else json_object(request))
    form = parse_body(schemas.UpdateTaskInstance, body)
    db = database(request)
    row = await quick_read(ti_list.get_task_instance_row, db, dag_id, run_id, task_id, index)
    if row is None:
        raise ti_not_found()
    if not form.dry_run:
        if form.new_state is None:
            raise BadRequest("'new_state' is required unless dry_run is true")
        try:
            await blocking(
                task_state.set_task_instance_state,
                db,
                dag_id,
                run_id,
                task_id,
                form.new_state,
                actor=actor(request),
                config=config(request),
                map_index=index,
                settable=task_state.API_SETTABLE,
            )
        except (DagNotFound, DagRunNotFound, TaskNotFound):
            raise ti_not_found() from None
    return JSONResponse(
        {
            "task_id": task_id,
            "dag_id": dag_id,
            "execution_date": row.execution_date.isoformat(),
            "dag_run_id": run_id,
        }
    )


_ERRORS = schemas.errors(400, 404)
_PATCH_BODY = {"requestBody": schemas.body(schemas.UpdateTaskInstance)}


@router.get(
    _BASE + "/{task_id}",
    operation_id="get_task_instance",
    summary="Get a task instance",
    response_model=schemas.TaskInstance,
    responses=_ERRORS,
)
async def get_task_instance(
    request: Request, dag_id: str, dag_run_id: str, task_id: str
) -> Response:
    return await _get(request, dag_id, dag_run_id, task_id, -1)


@router.patch(
    _BASE + "/{task_id}",
    operation_id="patch_task_instance",
    summary="Set a task instance's state: success, failed or skipped (dry_run by default)",
    response_model=schemas.TaskInstanceReference,
    responses=_ERRORS,
    openapi_extra=_PATCH_BODY,
)
async def patch_task_instance(
    request: Request, dag_id: str, dag_run_id: str, task_id: str
) -> Response:
    return await _patch(request, dag_id, dag_run_id, task_id, -1)


@router.get(
    _BASE + "/{task_id}/{map_index:mapindex}",
    operation_id="get_mapped_task_instance",
    summary="Get one instance of a mapped task",
    response_model=schemas.TaskInstance,
    responses=_ERRORS,
)
async def get_mapped_task_instance(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: MapIndex
) -> Response:
    return await _get(request, dag_id, dag_run_id, task_id, map_index)


@router.patch(
    _BASE + "/{task_id}/{map_index:mapindex}",
    operation_id="patch_mapped_task_instance",
    summary="Set the state of one instance of a mapped task (dry_run by default)",
    response_model=schemas.TaskInstanceReference,
    responses=_ERRORS,
    openapi_extra=_PATCH_BODY,
)
async def patch_mapped_task_instance(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: MapIndex
) -> Response:
    return await _patch(request, dag_id, dag_run_id, task_id, map_index)


# --- clearing ------------------------------------------------------------------------------------


@router.post(
    "/dags/{dag_id}/clearTaskInstances",
    operation_id="post_clear_task_instances",
    response_model=schemas.TaskInstanceReferenceCollection,
    responses=schemas.errors(400, 404),
    tags=["DAG"],
    openapi_extra={
        "requestBody": schemas.body(schemas.ClearTaskInstances),
        **schemas.refused(
            "include_upstream",
            "include_future",
            "include_past",
            "reset_dag_runs=false",
            why="not implemented by Tradewind's clear; a clear always re-queues its runs",
        ),
    },
    summary="Clear task instances of a DAG (dry_run, the default, only lists them)",
)
async def post_clear_task_instances(request: Request, dag_id: str) -> JSONResponse:
    form = parse_body(schemas.ClearTaskInstances, await json_body(request))
    regex = None
    if form.task_ids:
        regex = "^(?:" + "|".join(re.escape(task_id) for task_id in form.task_ids) + ")$"
    db = database(request)
    try:
        cleared = await blocking(
            clearing.clear_task_instances,
            db,
            config(request),
            dag_id,
            task_regex=regex,
            start_date=params.utc(form.start_date),
            end_date=params.utc(form.end_date),
            only_failed=form.only_failed,
            only_running=form.only_running,
            run_id=form.dag_run_id,
            dry_run=form.dry_run,
            downstream=form.include_downstream,
            actor=actor(request),
        )
    except DagNotFound:
        raise dag_not_found(dag_id) from None
    dates: dict[tuple[str, str], str] = {}
    refs = []
    for item in cleared:
        key = (item.dag_id or dag_id, item.run_id)
        if key not in dates:
            run = await blocking(run_list.get_run_row, db, *key)
            dates[key] = run.execution_date.isoformat() if run is not None else ""
        refs.append(
            {
                "task_id": item.task_id,
                "dag_id": key[0],
                "execution_date": dates[key],
                "dag_run_id": item.run_id,
            }
        )
    return JSONResponse({"task_instances": refs})
