"""A task instance: its attributes, its log per try (followed live), clear and mark actions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tradewind.dagfiles.serialization import DOC_KINDS
from tradewind.db.models import TaskInstanceState
from tradewind.exceptions import BadRequest, DagRunNotFound, NotFound
from tradewind.operations import dags as dag_ops
from tradewind.operations import task_instances as ti_ops
from tradewind.security.masking import masked_by_name
from tradewind.www import actions, history_queries, logs, queries
from tradewind.www.context import UiContext, actor, flash, ui
from tradewind.www.docs import rendered_docs
from tradewind.www.rendering import render, ti_url

TABS = ("log", "rendered", "xcom")
#: Longest XCom value shown, in characters (the value itself is kept whole).
MAX_XCOM_CHARS = 10_000
FIRST_CHUNK_BYTES = 512 * 1024
POLL_CHUNK_BYTES = 256 * 1024
# States after which nothing more will be logged. up_for_retry is not one: the page keeps
# polling and jumps to the next try's log when it starts.
FINISHED = TaskInstanceState.FINISHED

TI_FIELDS = (
    "state",
    "try_number",
    "max_tries",
    "start_date",
    "end_date",
    "duration",
    "queued_dttm",
    "operator",
    "pool",
    "pool_slots",
    "queue",
    "priority_weight",
    "hostname",
    "unixname",
    "pid",
)
TASK_FIELDS = (
    "owner",
    "retries",
    "retry_delay",
    "execution_timeout",
    "trigger_rule",
    "depends_on_past",
    "upstream_task_ids",
    "downstream_task_ids",
    "params",
)


def _keys(request: Request) -> tuple[str, str, str]:
    params = request.path_params
    return params["dag_id"], params["run_id"], params["task_id"]


def _map_index(request: Request) -> int:
    """``?map_index=N``: one instance of a mapped task (-1, the default: unmapped)."""
    return ti_ops.parse_map_index(request.query_params.get("map_index"))


def _task_instance(
    context: UiContext, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> dict[str, str]:
    """The operations' task-instance view, addressed by run id (never mistaken for a date)."""
    with context.database.read_session() as session:
        dag_ops.require_dag(session, dag_id)
        run = queries.get_run(session, dag_id, run_id)
    if run is None:
        raise DagRunNotFound(f"DAG {dag_id} has no run {run_id}")
    # The run's own date is an unambiguous reference for the shared lookup.
    return ti_ops.get_task_instance(
        context.database, dag_id, run.execution_date.isoformat(), task_id, map_index
    )


def _state(ti: dict[str, str]) -> str | None:
    return None if ti["state"] in ("None", "") else ti["state"]


def _try_numbers(ti: dict[str, str]) -> list[int]:
    tries = int(ti["try_number"] or 0)
    return list(range(1, tries + 1))


def _chosen_try(request: Request, tries: list[int]) -> int:
    try:
        wanted = int(request.query_params.get("try_number") or 0)
    except ValueError:
        wanted = 0
    if wanted in tries:
        return wanted
    return tries[-1] if tries else 0


def _rendered_text(fields: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Each rendered field as text: strings as they are, ``None`` as Python writes it, other
    values as indented JSON; a field or key named like a secret shows ``***`` (the try
    already hid the secrets it read; this also covers rows recorded before it did)."""
    if not fields:
        return []
    return [(name, _as_text(masked_by_name(name, value))) for name, value in fields.items()]


def _as_text(value: Any, limit: int | None = None) -> str:
    text = value if isinstance(value, str) else "None" if value is None else _json(value)
    if limit is not None and len(text) > limit:
        return text[:limit] + f"\n... (cut at {limit} characters of {len(text)})"
    return text


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)


@dataclass(frozen=True)
class ShownXCom:
    key: str
    text: str
    timestamp: datetime


def _xcoms(
    context: UiContext, dag_id: str, run_id: str, task_id: str, map_index: int
) -> list[ShownXCom]:
    """The latest try's XComs, each value as text, masked and cut to MAX_XCOM_CHARS."""
    with context.database.read_session() as session:
        rows = history_queries.task_xcoms(session, dag_id, run_id, task_id, map_index)
    return [
        ShownXCom(key, _as_text(masked_by_name(key, value), MAX_XCOM_CHARS), when)
        for key, value, when in rows
    ]


def _tab(request: Request) -> str:
    wanted = request.query_params.get("tab") or "log"
    if wanted not in TABS:
        raise BadRequest(f"No tab {wanted!r} on a task instance: one of {', '.join(TABS)}")
    return wanted


def ti_page(request: Request) -> Response:
    dag_id, run_id, task_id = _keys(request)
    context = ui(request)
    map_index = _map_index(request)
    with context.database.read_session() as session:
        serialized = dag_ops.get_serialized_dag(session, dag_id)
        definition = serialized.get_task(task_id)
        instances = (
            queries.mapped_instances(session, dag_id, run_id, task_id)
            if definition.is_mapped and map_index < 0
            else []
        )
    if instances:
        return render(
            request,
            "mapped_instances.html",
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            dag_name=serialized.display_name,
            task_name=definition.display_name,
            instances=instances,
            tab="grid",
        )
    tab = _tab(request)
    ti = _task_instance(context, dag_id, run_id, task_id, map_index)
    task = ti_ops.get_task(context.database, dag_id, task_id)
    tries = _try_numbers(ti)
    chosen = _chosen_try(request, tries)
    chunk = (
        logs.read(context, dag_id, run_id, task_id, chosen, 0, FIRST_CHUNK_BYTES, map_index)
        if chosen and tab == "log"
        else logs.LogChunk("", 0, False)
    )
    state = _state(ti)
    latest = chosen == (tries[-1] if tries else 0)
    rendered = (
        ti_ops.get_rendered_fields(context.database, dag_id, run_id, task_id, map_index, chosen)
        if chosen and tab == "rendered"
        else None
    )
    return render(
        request,
        "task_instance.html",
        dag_id=dag_id,
        run_id=run_id,
        task_id=task_id,
        ti=ti,
        state=state,
        task=task,
        dag_name=serialized.display_name,
        task_name=definition.display_name,
        docs=rendered_docs({kind: getattr(definition, kind) for kind in DOC_KINDS}),
        ti_fields=TI_FIELDS,
        task_fields=TASK_FIELDS,
        tries=tries,
        chosen_try=chosen,
        log=chunk,
        rendered=_rendered_text(rendered),
        xcoms=_xcoms(context, dag_id, run_id, task_id, map_index) if tab == "xcom" else [],
        latest_try=latest,
        follow=latest and state not in FINISHED,
        tab="grid",
        ti_tab=tab,
        map_index=map_index,
    )


def ti_log(request: Request) -> Response:
    """A piece of one try's log from ``offset`` on, and whether to keep polling."""
    dag_id, run_id, task_id = _keys(request)
    context = ui(request)
    try:
        try_number = int(request.query_params.get("try_number") or 1)
        offset = max(0, int(request.query_params.get("offset") or 0))
    except ValueError:
        raise BadRequest("try_number and offset must be integers") from None
    map_index = _map_index(request)
    ti = _task_instance(context, dag_id, run_id, task_id, map_index)
    chunk = logs.read(
        context, dag_id, run_id, task_id, try_number, offset, POLL_CHUNK_BYTES, map_index
    )
    state = _state(ti)
    latest_try = int(ti["try_number"] or 0)
    # Keep following while this try is the current one and it has not finished.
    follow = try_number >= latest_try and state not in FINISHED
    return JSONResponse(
        {
            "text": chunk.text,
            "offset": chunk.offset,
            "more": chunk.more,
            "state": state or "none",
            "try_number": latest_try,
            "follow": follow or chunk.more,
        }
    )


def ti_action(request: Request) -> Response:
    """Clear (run again) or mark success / failed, through the shared operations."""
    dag_id, run_id, task_id = _keys(request)
    action = request.path_params["action"]
    context = ui(request)
    map_index = _map_index(request)
    if action == "clear":
        message = actions.clear(context, dag_id, run_id, task_id, actor(request), map_index)
    elif action in ("mark_success", "mark_failed"):
        state = TaskInstanceState.SUCCESS if action == "mark_success" else TaskInstanceState.FAILED
        message = actions.mark(context, dag_id, run_id, task_id, state, actor(request), map_index)
    else:
        raise NotFound(f"No action {action!r} on task instances")
    flash(request, message, "success")
    shown = map_index if map_index >= 0 else None
    return RedirectResponse(ti_url(dag_id, run_id, task_id, map_index=shown), status_code=303)
