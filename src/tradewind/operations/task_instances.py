"""Tasks and task instances as the experimental API shows them: every value a string.

Airflow answers with ``str()`` of each attribute, so clients read ``"0"``, ``"None"`` and
``"set()"``; we keep that, and render dates as ISO 8601 like Airflow's datetimes print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.db.models import (
    RenderedTaskInstanceFields,
    TaskInstance,
    TaskInstanceHistory,
    TaskInstanceState,
)
from tradewind.exceptions import BadRequest, TaskNotFound
from tradewind.operations.dag_runs import find_dag_run
from tradewind.operations.dags import get_serialized_dag, require_dag
from tradewind.operations.map_indexes import instances_phrase, map_indexes

if TYPE_CHECKING:
    from tradewind.config import Config
    from tradewind.dagfiles.serialization import SerializedTask
    from tradewind.db.engine import Database

TASK_KEYS = (
    "task_id",
    "owner",
    "email",
    "retries",
    "retry_delay",
    "retry_exponential_backoff",
    "max_retry_delay",
    "pool",
    "pool_slots",
    "priority_weight",
    "weight_rule",
    "trigger_rule",
    "queue",
    "start_date",
    "end_date",
    "depends_on_past",
    "wait_for_downstream",
    "execution_timeout",
    "upstream_task_ids",
    "downstream_task_ids",
    "params",
    "inlets",
    "outlets",
    "doc_md",
)

TASK_INSTANCE_KEYS = (
    "dag_id",
    "task_id",
    "run_id",
    "start_date",
    "end_date",
    "duration",
    "state",
    "try_number",
    "max_tries",
    "hostname",
    "unixname",
    "pid",
    "pool",
    "pool_slots",
    "queue",
    "priority_weight",
    "operator",
    "queued_dttm",
)


def stringify(value: Any) -> str:
    """``str()`` as Airflow's API applies it, with stable set order and ISO dates."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        if not value:
            return "set()"
        return "{" + ", ".join(repr(item) for item in sorted(value, key=repr)) + "}"
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def task_to_dict(task: SerializedTask, dag_id: str) -> dict[str, str]:
    shown = {key: stringify(getattr(task, key)) for key in TASK_KEYS}
    shown["dag_id"] = dag_id
    shown["operator"] = task.operator_name
    return shown


def task_not_found(dag_id: str, task_id: str) -> TaskNotFound:
    return TaskNotFound(f"Task {task_id} not found in dag {dag_id}")


def get_task(db: Database, dag_id: str, task_id: str) -> dict[str, str]:
    with db.read_session() as session:
        require_dag(session, dag_id)
        dag = get_serialized_dag(session, dag_id)
    task = dag.tasks.get(task_id)
    if task is None:
        raise task_not_found(dag_id, task_id)
    return task_to_dict(task, dag_id)


def get_task_instance(
    db: Database, dag_id: str, ref: str, task_id: str, map_index: int | str | None = None
) -> dict[str, Any]:
    """The task instance of ``task_id`` in the run at ``ref`` (execution date or run id).

    ``map_index`` picks one instance of a mapped task; without it, the unmapped instance
    (-1), as the endpoint always answered.
    """
    index = parse_map_index(map_index)
    with db.read_session() as session:
        run = find_dag_run(session, dag_id, ref)
        ti = session.scalar(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run.run_id,
                TaskInstance.task_id == task_id,
                TaskInstance.map_index == index,
            )
        )
        if ti is None:
            dag = get_serialized_dag(session, dag_id)
            task = dag.tasks.get(task_id)
            if task is None:
                raise task_not_found(dag_id, task_id)
            indexes = map_indexes(session, dag_id, run.run_id, task_id) if task.is_mapped else []
            if index >= 0:
                mapped = f"; {instances_phrase(indexes, run.run_id)}" if task.is_mapped else ""
                raise TaskNotFound(
                    f"Task {task_id} has no task instance with map_index {index} in the dag "
                    f"run {run.run_id} of dag {dag_id}{mapped or ' (it is not mapped)'}"
                )
            if task.is_mapped:
                raise TaskNotFound(
                    f"Task {task_id} is mapped: its instances in the dag run {run.run_id} of "
                    f"dag {dag_id} are addressed with ?map_index=N (--map-index N on the "
                    f"command line); {instances_phrase(indexes, run.run_id)}"
                )
            raise TaskNotFound(
                f"Task {task_id} has no task instance in the dag run {run.run_id} of dag {dag_id}"
            )
        shown: dict[str, Any] = {key: stringify(getattr(ti, key)) for key in TASK_INSTANCE_KEYS}
        shown["execution_date"] = stringify(run.execution_date)
        # Tradewind extension: the latest try's rendered templated fields (JSON, or null).
        shown["rendered_fields"] = rendered_fields_of(session, dag_id, run.run_id, task_id, index)
        return shown


def get_rendered_fields(
    db: Database,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int = -1,
    try_number: int | None = None,
) -> dict[str, Any] | None:
    """What the task instance's templated fields rendered to in try ``try_number`` (default:
    its latest finished try), as recorded when that try ended: the DAG file may have
    changed since, this does not.

    ``None`` before any try has rendered them (or for an operator with no templated field).
    """
    with db.read_session() as session:
        return rendered_fields_of(session, dag_id, run_id, task_id, map_index, try_number)


@dataclass(frozen=True)
class StoredRendering:
    run_id: str
    try_number: int
    fields: dict[str, Any]


def stored_rendered_fields(
    db: Database,
    dag_id: str,
    ref: str,
    task_id: str,
    map_index: int = -1,
    try_number: int | None = None,
) -> StoredRendering:
    """What a recorded try (default: the latest) of the task instance in the run at ``ref``
    (execution date or run id) rendered; a clear error when nothing was recorded."""
    with db.read_session() as session:
        run = find_dag_run(session, dag_id, ref)
        ti = session.get(TaskInstance, (dag_id, run.run_id, task_id, map_index))
        if ti is None:
            raise TaskNotFound(
                f"Task {task_id} has no task instance in the dag run {run.run_id} of dag {dag_id}"
            )
        wanted = try_number if try_number is not None else ti.try_number
        if wanted < 1 or wanted > max(ti.try_number, 1):
            raise BadRequest(
                f"Task {task_id} in the dag run {run.run_id} has tried {ti.try_number} "
                f"time(s): there is no try {wanted}"
            )
        fields = rendered_fields_of(session, dag_id, run.run_id, task_id, map_index, wanted)
    if fields is None:
        raise TaskNotFound(
            f"No rendered fields were recorded for try {wanted} of task {task_id} in the dag "
            f"run {run.run_id} (they are recorded when a try ends; it may still be running, "
            "have ended before rendering, or have no templated field)"
        )
    return StoredRendering(run.run_id, wanted, fields)


def rendered_fields_of(
    session: Session,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int = -1,
    try_number: int | None = None,
) -> dict[str, Any] | None:
    """Try ``try_number``'s fields from the try history (the last piece of a try cut by
    reschedules or deferrals counts); without a try number, the latest finished try's.

    A task instance with no history at all ran before the history was kept: its latest
    try, once finished, is answered from ``rendered_task_instance_fields``. A try still
    running has recorded nothing yet (fields are recorded with the try's end).
    """
    latest = session.get(RenderedTaskInstanceFields, (dag_id, run_id, task_id, map_index))
    if try_number is None:
        return None if latest is None else dict(latest.rendered_fields)
    kept = session.execute(
        select(TaskInstanceHistory.try_number, TaskInstanceHistory.rendered_fields)
        .where(
            TaskInstanceHistory.dag_id == dag_id,
            TaskInstanceHistory.run_id == run_id,
            TaskInstanceHistory.task_id == task_id,
            TaskInstanceHistory.map_index == map_index,
        )
        .order_by(TaskInstanceHistory.id.desc())
    ).all()
    if kept:
        fields = (f for number, f in kept if number == try_number and f is not None)
        return next((dict(found) for found in fields), None)
    ti = session.get(TaskInstance, (dag_id, run_id, task_id, map_index))
    if (
        latest is not None
        and ti is not None
        and ti.try_number == try_number
        and ti.state in TaskInstanceState.FINISHED
    ):
        return dict(latest.rendered_fields)
    return None


def read_task_log(
    db: Database,
    config: Config,
    dag_id: str,
    ref: str,
    task_id: str,
    try_number: int | str | None = None,
    map_index: int | str | None = None,
) -> dict[str, Any]:
    """A try's log (default: the latest try): ``{dag_id, task_id, run_id, try_number, content}``.

    The run is found by date or run id like every other endpoint; reading the file is
    :mod:`tradewind.operations.task_logs`' job (the CLI's ``tasks logs`` uses it too).
    """
    from tradewind.operations.task_logs import read_task_log as read_log_file

    wanted = None if try_number in (None, "") else _parse_try_number(try_number)
    index = parse_map_index(map_index)
    with db.read_session() as session:
        run = find_dag_run(session, dag_id, ref)
        dag = get_serialized_dag(session, dag_id)
    if task_id not in dag.tasks:
        raise task_not_found(dag_id, task_id)
    number, content = read_log_file(config, dag_id, run.run_id, task_id, wanted, index)
    return {
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run.run_id,
        "try_number": number,
        "content": content,
    }


#: The largest map index a 32-bit integer column holds.
MAX_MAP_INDEX = 2**31 - 1


def parse_map_index(value: int | str | None) -> int:
    """``?map_index=``: a whole number from 0, or absent / -1 for the unmapped instance."""
    if value is None or value == "":
        return -1
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"map_index must be an integer, not {value!r}") from None
    if number < -1 or number > MAX_MAP_INDEX:
        raise BadRequest(f"map_index must be from -1 to {MAX_MAP_INDEX}, not {value!r}")
    return number


def _parse_try_number(value: int | str) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"try_number must be a positive integer, not {value!r}") from None
    if number < 1:
        raise BadRequest(f"try_number must be a positive integer, not {value!r}")
    return number
