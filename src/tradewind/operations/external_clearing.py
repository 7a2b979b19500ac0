"""What else a clear reaches: the tasks below (``downstream``) and, through an
ExternalTaskMarker, the dependent task in another DAG's run (Airflow's cross-DAG clear).

The marker's target is read from the serialized DAG (``external_marker``), so clearing
never imports a DAG file; its ``execution_date`` template is rendered here with the
marked run's dates.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import jinja2
from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.authoring.timezone import coerce_utc, parse_datetime
from tradewind.dagfiles.serialization import SerializedDAG
from tradewind.dagfiles.stored import load_serialized_dag
from tradewind.db.models import DagRun, TaskInstance
from tradewind.exceptions import BadRequest, DagNotFound

_TEMPLATES = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)


def downstream_closure(sdag: SerializedDAG, task_ids: set[str]) -> set[str]:
    found = set(task_ids)
    stack = list(task_ids)
    while stack:
        task = sdag.tasks.get(stack.pop())
        for child in task.downstream_task_ids if task is not None else ():
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def with_downstream(
    session: Session, sdag: SerializedDAG, tis: list[TaskInstance]
) -> list[TaskInstance]:
    """``tis`` and, in each of their runs, the task instances of the tasks below them."""
    by_run: dict[str, set[str]] = defaultdict(set)
    for ti in tis:
        by_run[ti.run_id].add(ti.task_id)
    found = {(ti.run_id, ti.task_id, ti.map_index): ti for ti in tis}
    for run_id, task_ids in by_run.items():
        wanted = downstream_closure(sdag, task_ids)
        for ti in session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == sdag.dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.task_id.in_(wanted),
            )
        ):
            found.setdefault((ti.run_id, ti.task_id, ti.map_index), ti)
    return sorted(found.values(), key=lambda ti: (ti.run_id, ti.task_id, ti.map_index))


def marked_external_tasks(
    session: Session, sdag: SerializedDAG, tis: list[TaskInstance], depth: int = 0
) -> list[tuple[SerializedDAG, list[TaskInstance]]]:
    """For each cleared ExternalTaskMarker, the other DAG's task instances to clear too
    (its task and what follows it, followed further through markers there)."""
    found: list[tuple[SerializedDAG, list[TaskInstance]]] = []
    markers = [
        (ti, marker)
        for ti in tis
        if (task := sdag.tasks.get(ti.task_id)) is not None
        and (marker := task.external_marker) is not None
    ]
    for ti, marker in markers:
        if depth >= int(marker.get("recursion_depth", 10)):
            raise BadRequest(
                f"Maximum recursion depth {marker.get('recursion_depth')} reached for "
                f"ExternalTaskMarker {sdag.dag_id}.{ti.task_id}: clearing too many tasks, "
                "or the markers form a cycle"
            )
        logical_date = _logical_date(session, sdag.dag_id, ti.run_id)
        target_date = _target_date(marker, logical_date, sdag.dag_id, ti.task_id)
        try:
            ext_sdag = load_serialized_dag(session, marker["external_dag_id"])
        except DagNotFound:
            continue
        run_id = session.scalar(
            select(DagRun.run_id).where(
                DagRun.dag_id == ext_sdag.dag_id, DagRun.execution_date == target_date
            )
        )
        if run_id is None:
            continue
        wanted = downstream_closure(ext_sdag, {marker["external_task_id"]})
        ext_tis = list(
            session.scalars(
                select(TaskInstance).where(
                    TaskInstance.dag_id == ext_sdag.dag_id,
                    TaskInstance.run_id == run_id,
                    TaskInstance.task_id.in_(wanted),
                )
            )
        )
        if ext_tis:
            found.append((ext_sdag, ext_tis))
            found.extend(marked_external_tasks(session, ext_sdag, ext_tis, depth + 1))
    return found


def _logical_date(session: Session, dag_id: str, run_id: str) -> datetime:
    value: datetime = session.scalars(
        select(DagRun.execution_date).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
    ).one()
    return value


def _target_date(
    marker: dict[str, Any], logical_date: datetime, dag_id: str, task_id: str
) -> datetime:
    template = marker.get("execution_date")
    if not template:
        return logical_date
    values = {
        "logical_date": logical_date,
        "execution_date": logical_date,
        "ds": logical_date.strftime("%Y-%m-%d"),
        "ts": logical_date.isoformat(),
    }
    try:
        return coerce_utc(parse_datetime(_TEMPLATES.from_string(str(template)).render(values)))
    except (jinja2.TemplateError, ValueError) as exc:
        raise BadRequest(
            f"execution_date {template!r} of ExternalTaskMarker {dag_id}.{task_id} does not "
            f"render to a date: {exc}"
        ) from None
