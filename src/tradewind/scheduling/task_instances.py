"""Creating task instance rows from serialized tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tradewind.dagfiles.serialization import SerializedTask
from tradewind.db.models import TaskInstance


def task_instance_values(
    dag_id: str,
    run_id: str,
    task: SerializedTask,
    now: datetime | None = None,
    map_index: int = -1,
) -> dict[str, Any]:
    """Column values of a fresh (no state) task instance; used for bulk inserts."""
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "task_id": task.task_id,
        "map_index": map_index,
        "state": None,
        "try_number": 0,
        "max_tries": task.retries,
        "hostname": "",
        "unixname": "",
        "pool": task.pool,
        "pool_slots": task.pool_slots,
        "queue": task.queue,
        "priority_weight": task.priority_weight_total,
        "operator": task.operator_name,
        "updated_at": now,
    }


def new_task_instance(dag_id: str, run_id: str, task: SerializedTask) -> TaskInstance:
    return TaskInstance(**task_instance_values(dag_id, run_id, task))
