"""``/dags``: list, get, pause (one or a pattern), delete, details, tasks; ``/dagSources``."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from tradewind.api.stable import paging, params, schemas
from tradewind.api.stable._common import (
    FastJSONResponse,
    actor,
    blocking,
    config,
    database,
    json_body,
    quick_read,
)
from tradewind.api.stable.problems import Problem
from tradewind.dagfiles.serialization import SerializedDAG, SerializedTask
from tradewind.exceptions import BadRequest, DagNotFound
from tradewind.operations import dag_list, dags

router = APIRouter(tags=["DAG"])

LIST_PARAMETERS = [
    *paging.PAGE_PARAMETERS,
    paging.order_parameter(sorted(dag_list.ORDER_COLUMNS), "dag_id"),
    {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "only_active", "in": "query", "schema": {"type": "boolean", "default": True}},
    {"name": "paused", "in": "query", "schema": {"type": "boolean"}},
    {"name": "dag_id_pattern", "in": "query", "schema": {"type": "string"}},
    {
        "name": "fields",
        "in": "query",
        "schema": {"type": "array", "items": {"enum": list(schemas.DAG.model_fields)}},
    },
]
DETAIL_FIELDS = {
    "name": "fields",
    "in": "query",
    "schema": {"type": "array", "items": {"enum": list(schemas.DAGDetail.model_fields)}},
}
UPDATE_MASK = {
    "name": "update_mask",
    "in": "query",
    "schema": {"type": "array", "items": {"enum": ["is_paused"]}},
    "style": "form",
    "explode": False,
}


def dag_not_found(dag_id: str) -> Problem:
    return Problem(404, f"DAG with dag_id: '{dag_id}' not found", title="DAG not found")


# --- shaping ------------------------------------------------------------------------------------


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@functools.lru_cache(maxsize=4096)
def file_token(fileloc: str) -> str:
    """An opaque, URL-safe name of the DAG's file for ``/dagSources/{file_token}``.

    Only files the parser stored can be read through it (their source is in the database),
    so unlike Airflow it needs no signature to keep other files private.
    """
    return base64.urlsafe_b64encode(fileloc.encode()).decode().rstrip("=")


def fileloc_of(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Problem(404, f"No DAG file has the token {token!r}") from None


_DELTA = re.compile(
    r"^(?:(?P<days>-?\d+) days?, )?(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<us>\d+))?$"
)


@functools.lru_cache(maxsize=1024)
def schedule_interval(schedule: str | None) -> dict[str, Any] | None:
    """Airflow's ``ScheduleInterval``: ``TimeDelta`` for a timedelta, else ``CronExpression``."""
    if not schedule or schedule == "None":
        return None
    match = _DELTA.match(schedule)
    if match is None:
        return {"__type": "CronExpression", "value": schedule}
    delta = timedelta(
        days=int(match["days"] or 0),
        hours=int(match["h"]),
        minutes=int(match["m"]),
        seconds=int(match["s"]),
        microseconds=int((match["us"] or "0").ljust(6, "0")),
    )
    return time_delta(delta)


def time_delta(delta: timedelta | None) -> dict[str, Any] | None:
    if delta is None:
        return None
    return {
        "__type": "TimeDelta",
        "days": delta.days,
        "seconds": delta.seconds,
        "microseconds": delta.microseconds,
    }


def dag_json(row: dag_list.DagRow) -> dict[str, Any]:
    """Airflow's ``DAG`` object from a row of :func:`dag_list.list_dags_page`."""
    fileloc = row.fileloc
    schedule = row.schedule
    return {
        "dag_id": row.dag_id,
        "dag_display_name": row.dag_id,
        "root_dag_id": None,
        "is_paused": row.is_paused,
        "is_active": row.is_active,
        "is_subdag": False,
        "last_parsed_time": row.last_parsed_time,
        "last_pickled": None,
        "last_expired": None,
        "scheduler_lock": None,
        "pickle_id": None,
        "default_view": "grid",
        "fileloc": fileloc,
        "file_token": file_token(fileloc),
        "owners": owners(row.owners),
        "description": row.description,
        "schedule_interval": schedule_interval(schedule),
        "timetable_description": None if schedule in (None, "None") else schedule,
        "tags": [{"name": tag} for tag in row.tags],
        "max_active_tasks": row.max_active_tasks,
        "max_active_runs": row.max_active_runs,
        "has_task_concurrency_limits": None,
        "has_import_errors": row.has_import_errors,
        "next_dagrun": row.next_dagrun,
        "next_dagrun_data_interval_start": row.next_dagrun_data_interval_start,
        "next_dagrun_data_interval_end": row.next_dagrun_data_interval_end,
        "next_dagrun_create_after": row.next_dagrun_create_after,
        "max_consecutive_failed_dag_runs": 0,
    }


@functools.lru_cache(maxsize=1024)
def owners(text: str | None) -> tuple[str, ...]:
    """The stored "a, b" as Airflow's list (a tuple: cached, so it must not change)."""
    return tuple(owner.strip() for owner in (text or "").split(",") if owner.strip())


def only_fields(shown: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields ``?fields=`` names (checked by :func:`params.fields`), or all of them."""
    if not fields:
        return shown
    return {name: shown[name] for name in fields if name in shown}


def dag_filter(request: Request) -> dag_list.DagFilter:
    query = request.query_params
    pattern = query.get("dag_id_pattern") or None
    return dag_list.DagFilter(
        only_active=bool(params.boolean(query, "only_active", True)),
        paused=params.boolean(query, "paused"),
        tags=params.strings(query, "tags"),
        dag_id_pattern=None if pattern == "~" else pattern,
    )


# --- routes -------------------------------------------------------------------------------------


@router.get(
    "/dags",
    operation_id="get_dags",
    response_model=schemas.DAGCollection,
    openapi_extra={"parameters": LIST_PARAMETERS},
    summary="List DAGs",
)
async def get_dags(request: Request) -> JSONResponse:
    query = request.query_params
    fields = params.fields(query, schemas.DAG.model_fields)
    page = paging.page(query, config(request))
    order = paging.order_names(page.order_by, dag_list.ORDER_COLUMNS, "dag_id")
    rows, total = await quick_read(
        dag_list.list_dags_page,
        database(request),
        dag_filter(request),
        limit=page.limit,
        offset=page.offset,
        order=(order,),
    )
    shown = [only_fields(dag_json(row), fields) for row in rows]
    return FastJSONResponse(paging.collection("dags", shown, total))


@router.patch(
    "/dags",
    operation_id="patch_dags",
    response_model=schemas.DAGCollection,
    openapi_extra={
        "parameters": [
            *paging.PAGE_PARAMETERS,
            {
                "name": "tags",
                "in": "query",
                "schema": {"type": "array", "items": {"type": "string"}},
            },
            UPDATE_MASK,
            {"name": "only_active", "in": "query", "schema": {"type": "boolean", "default": True}},
            {
                "name": "dag_id_pattern",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
                "description": "'~' for every DAG",
            },
        ],
        "requestBody": schemas.body(schemas.DAGPatch),
    },
    summary="Pause or unpause every DAG whose id matches dag_id_pattern",
)
async def patch_dags(request: Request) -> JSONResponse:
    query = request.query_params
    if query.get("dag_id_pattern") is None:
        raise BadRequest("Missing query parameter 'dag_id_pattern' ('~' for every DAG)")
    paused = paused_of(await json_body(request), params.update_mask(query))
    page = paging.page(query, config(request))
    flt = dag_filter(request)
    db = database(request)
    dag_ids = await blocking(
        dag_list.matching_dag_ids, db, flt, limit=page.limit, offset=page.offset
    )
    for dag_id in dag_ids:
        await blocking(
            dags.set_paused, db, dag_id, paused, actor=actor(request), config=config(request)
        )
    rows, total = await blocking(
        dag_list.list_dags_page,
        db,
        flt,
        limit=page.limit,
        offset=page.offset,
    )
    changed = set(dag_ids)
    shown = [dag_json(row) for row in rows if row.dag_id in changed]
    return JSONResponse(paging.collection("dags", shown, total))


def paused_of(body: dict[str, Any], mask: tuple[str, ...]) -> bool:
    """``is_paused`` from a PATCH body: the one field the API may change. As in Airflow,
    any other field of the ``DAG`` in the body is refused, ``update_mask`` or not."""
    if mask and set(mask) != {"is_paused"}:
        raise BadRequest("Only `is_paused` field can be updated through the REST API")
    others = sorted(set(body) - {"is_paused"})
    if others:
        named = ", ".join(others)
        raise BadRequest(f"Only `is_paused` field can be updated through the REST API, not {named}")
    value = body.get("is_paused")
    if not isinstance(value, bool):
        raise BadRequest(f"{value!r} is not of type 'boolean' - 'is_paused'")
    return value


@router.get(
    "/dags/{dag_id}",
    operation_id="get_dag",
    response_model=schemas.DAG,
    responses=schemas.errors(404),
    openapi_extra={"parameters": [LIST_PARAMETERS[-1]]},
    summary="Get a DAG",
)
async def get_dag(request: Request, dag_id: str) -> JSONResponse:
    fields = params.fields(request.query_params, schemas.DAG.model_fields)
    row = await quick_read(dag_list.get_dag_row, database(request), dag_id)
    if row is None:
        raise dag_not_found(dag_id)
    return JSONResponse(only_fields(dag_json(row), fields))


@router.patch(
    "/dags/{dag_id}",
    operation_id="patch_dag",
    response_model=schemas.DAG,
    responses=schemas.errors(400, 404),
    openapi_extra={
        "parameters": [
            UPDATE_MASK,
        ],
        "requestBody": schemas.body(schemas.DAGPatch),
    },
    summary="Pause or unpause a DAG",
)
async def patch_dag(request: Request, dag_id: str) -> JSONResponse:
    paused = paused_of(await json_body(request), params.update_mask(request.query_params))
    db = database(request)
    try:
        await blocking(
            dags.set_paused, db, dag_id, paused, actor=actor(request), config=config(request)
        )
    except DagNotFound:
        raise dag_not_found(dag_id) from None
    row = await blocking(dag_list.get_dag_row, db, dag_id)
    if row is None:
        raise dag_not_found(dag_id)
    return JSONResponse(dag_json(row))


@router.delete(
    "/dags/{dag_id}",
    operation_id="delete_dag",
    status_code=204,
    responses=schemas.errors(400, 404, 409),
    summary="Delete a DAG's records (runs, task instances, XComs); its file is not touched",
)
async def delete_dag(request: Request, dag_id: str) -> Response:
    try:
        await blocking(dags.delete_dag, database(request), dag_id, actor=actor(request))
    except DagNotFound:
        raise dag_not_found(dag_id) from None
    return Response(status_code=204)


@router.get(
    "/dags/{dag_id}/details",
    operation_id="get_dag_details",
    response_model=schemas.DAGDetail,
    responses=schemas.errors(404),
    openapi_extra={"parameters": [DETAIL_FIELDS]},
    summary="Get a DAG with its settings from the DAG file",
)
async def get_dag_details(request: Request, dag_id: str) -> JSONResponse:
    fields = params.fields(request.query_params, schemas.DAGDetail.model_fields)
    db = database(request)
    row = await quick_read(dag_list.get_dag_row, db, dag_id)
    if row is None:
        raise dag_not_found(dag_id)
    try:
        dag = await blocking(dags.read_serialized_dag, db, dag_id)
    except DagNotFound:
        raise dag_not_found(dag_id) from None
    shown = {**dag_json(row), **detail_json(dag, row)}
    return JSONResponse(only_fields(shown, fields))


def detail_json(dag: SerializedDAG, row: dag_list.DagRow) -> dict[str, Any]:
    """What ``DAGDetail`` adds to ``DAG``, from the serialized DAG."""
    zone = getattr(dag.timetable, "zone", None)
    return {
        "dag_display_name": dag.display_name,
        "owners": list(dag.owners),
        "has_task_concurrency_limits": any(
            task.max_active_tis_per_dag is not None for task in dag.tasks.values()
        ),
        "timezone": str(getattr(zone, "key", None) or "UTC") if zone is not None else "UTC",
        "catchup": dag.catchup,
        "orientation": "LR",
        "concurrency": dag.max_active_tasks,
        "start_date": iso(dag.start_date),
        "dag_run_timeout": time_delta(dag.dagrun_timeout),
        "dataset_expression": dag.dataset_condition,
        "doc_md": dag.doc_md,
        "params": {
            name: {
                "__class": "airflow.models.param.Param",
                "value": param.value,
                "description": param.description,
                "schema": param.schema,
            }
            for name, param in dag.params.items()
        },
        "end_date": iso(dag.end_date),
        "is_paused_upon_creation": dag.is_paused_upon_creation,
        "last_parsed": row.last_parsed_time,
        "template_search_path": None,
        "render_template_as_native_obj": None,
    }


@router.get(
    "/dags/{dag_id}/tasks",
    operation_id="get_tasks",
    response_model=schemas.TaskCollection,
    responses=schemas.errors(400, 404),
    openapi_extra={
        "parameters": [paging.order_parameter(list(schemas.Task.model_fields), "task_id")]
    },
    summary="The DAG's tasks",
)
async def get_tasks(request: Request, dag_id: str) -> JSONResponse:
    dag = await _serialized(request, dag_id)
    order_by = request.query_params.get("order_by", "task_id")
    name = order_by[1:] if order_by.startswith("-") else order_by
    tasks = [task_json(task) for task in dag.tasks.values()]
    if name not in schemas.Task.model_fields:
        raise BadRequest(
            f"Ordering with '{name}' is disallowed or the attribute does not exist on the model"
        )
    tasks.sort(key=lambda shown: _sort_key(shown[name]), reverse=order_by.startswith("-"))
    return JSONResponse({"tasks": tasks, "total_entries": len(tasks)})


def _sort_key(value: Any) -> tuple[bool, str]:
    return (value is None, str(value))


@router.get(
    "/dags/{dag_id}/tasks/{task_id}",
    operation_id="get_task",
    response_model=schemas.Task,
    responses=schemas.errors(404),
    summary="One task of the DAG",
)
async def get_task(request: Request, dag_id: str, task_id: str) -> JSONResponse:
    dag = await _serialized(request, dag_id)
    task = dag.tasks.get(task_id)
    if task is None:
        raise Problem(404, f"Task with id {task_id!r} not found", title="Task not found")
    return JSONResponse(task_json(task))


async def _serialized(request: Request, dag_id: str) -> SerializedDAG:
    try:
        return await blocking(dags.read_serialized_dag, database(request), dag_id)
    except DagNotFound:
        raise dag_not_found(dag_id) from None


def task_json(task: SerializedTask) -> dict[str, Any]:
    """Airflow's ``Task`` object."""
    return {
        "class_ref": {"module_path": "", "class_name": task.operator_name},
        "task_id": task.task_id,
        "task_display_name": task.display_name,
        "owner": task.owner,
        "start_date": iso(task.start_date),
        "end_date": iso(task.end_date),
        "trigger_rule": str(task.trigger_rule),
        "extra_links": [],
        "depends_on_past": task.depends_on_past,
        "is_mapped": task.is_mapped,
        "wait_for_downstream": task.wait_for_downstream,
        "retries": task.retries,
        "queue": task.queue,
        "executor": None,
        "pool": task.pool,
        "pool_slots": task.pool_slots,
        "execution_timeout": time_delta(task.execution_timeout),
        "retry_delay": time_delta(task.retry_delay),
        "retry_exponential_backoff": task.retry_exponential_backoff,
        "priority_weight": task.priority_weight,
        "weight_rule": str(task.weight_rule),
        "ui_color": "#fff",
        "ui_fgcolor": "#000",
        "template_fields": list(task.template_fields),
        "downstream_task_ids": sorted(task.downstream_task_ids),
        "doc_md": task.doc_md,
    }


@router.get(
    "/dagSources/{file_token}",
    operation_id="get_dag_source",
    responses={
        200: {
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "application/json": {"schema": schemas.DagSource.model_json_schema()},
            }
        },
        **schemas.errors(404, 406),
    },
    tags=["DAG"],
    summary='The source of a DAG file, as text/plain or as JSON {"content": ...}',
)
async def get_dag_source(request: Request, file_token: str) -> Response:
    kind = accepted(request, ("text/plain", "application/json"))
    source = await quick_read(dags.get_file_source, database(request), fileloc_of(file_token))
    if kind == "application/json":
        return JSONResponse({"content": source})
    return PlainTextResponse(source)


def accepted(request: Request, offered: tuple[str, ...]) -> str:
    """The media type of ``offered`` the ``Accept`` header prefers (by quality, then by the
    client's order; a wildcard or no header takes ``offered[0]``); none is a 406."""
    header = request.headers.get("accept", "")
    if not header.strip():
        return offered[0]
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")):
        kind, _, rest = part.partition(";")
        kind = kind.strip().lower()
        quality = _quality(rest)
        for candidate in offered:
            major = candidate.split("/")[0]
            exact = kind == candidate
            if (exact or kind in (f"{major}/*", "*/*")) and quality > 0:
                rank = (quality, -position if exact else -position - 1000, candidate)
                if best is None or rank[:2] > best[:2]:
                    best = rank
                if not exact:
                    break  # a wildcard takes the first offered type it covers
    if best is None:
        raise Problem(406, f"Accept must name one of {', '.join(offered)}, not {header!r}")
    return best[2]


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
