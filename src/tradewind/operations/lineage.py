"""Lineage: the datasets each task of a run declares it reads (inlets) and writes (outlets)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tradewind.operations.dag_runs import find_dag_run
from tradewind.operations.dags import get_serialized_dag

if TYPE_CHECKING:
    from tradewind.db.engine import Database


def get_lineage(db: Database, dag_id: str, ref: str) -> dict[str, Any]:
    """``{"message", "task_ids": {task_id: {"inlets", "outlets"}}}`` for the run at ``ref``."""
    with db.read_session() as session:
        run = find_dag_run(session, dag_id, ref)
        dag = get_serialized_dag(session, dag_id)
    return {
        "message": f"Lineage for DAG {dag_id} at {run.execution_date.isoformat()}",
        "task_ids": {
            task_id: {"inlets": list(task.inlets), "outlets": list(task.outlets)}
            for task_id, task in dag.tasks.items()
        },
    }
