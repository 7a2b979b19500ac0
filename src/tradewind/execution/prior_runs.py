"""The previous successful run of a DAG: what the ``prev_*_success`` context variables read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tradewind.authoring.context import PriorSuccess
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance
from tradewind.states import DagRunState


def prior_success(
    database: Database, dag_id: str, task_id: str, logical_date: datetime, map_index: int = -1
) -> PriorSuccess | None:
    """The latest successful run of ``dag_id`` logically before ``logical_date``, if any,
    with the start and end of ``task_id``'s try in that run: of the same instance, for a
    mapped task's (none if that run had no instance ``map_index``)."""
    with database.session() as session:
        run = session.execute(
            select(
                DagRun.run_id,
                DagRun.execution_date,
                DagRun.data_interval_start,
                DagRun.data_interval_end,
            )
            .where(
                DagRun.dag_id == dag_id,
                DagRun.state == DagRunState.SUCCESS,
                DagRun.execution_date < logical_date,
            )
            .order_by(DagRun.execution_date.desc())
            .limit(1)
        ).first()
        if run is None:
            return None
        ti = session.execute(
            select(TaskInstance.start_date, TaskInstance.end_date).where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run.run_id,
                TaskInstance.task_id == task_id,
                TaskInstance.map_index == map_index,
            )
        ).first()
    return PriorSuccess(
        data_interval_start=run.data_interval_start,
        data_interval_end=run.data_interval_end,
        task_start_date=ti.start_date if ti is not None else None,
        task_end_date=ti.end_date if ti is not None else None,
        logical_date=run.execution_date,
    )
