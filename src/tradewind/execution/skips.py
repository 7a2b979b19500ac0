"""Skips a try records for other task instances of its run (branching, short-circuiting).

A branch task decides, while it runs, that some tasks below it must not run; it writes
``skipped`` on them before it ends, and the scheduler's trigger rules carry the skip further
down once it sees the branch task finish.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import or_, update

from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.states import TaskInstanceState as S

#: States of a task instance that has not started: only these may be skipped by another
#: task, so a skip never overwrites a try that is queued, running or already ended.
NOT_STARTED = (S.SCHEDULED,)


def skip_task_instances(
    database: Database, dag_id: str, run_id: str, task_ids: Iterable[str], map_index: int = -1
) -> int:
    """Mark the run's not-yet-started instances of ``task_ids`` skipped; how many changed.

    Every map index of a task is skipped, the -1 placeholder of a mapped task not yet
    expanded included (the scheduler then never expands it). A mapped instance
    (``map_index`` >= 0, e.g. a branch in a mapped task group) skips only the instances
    with its own map index, as in Airflow.

    One guarded UPDATE: an instance the scheduler queued meanwhile keeps its state (the
    ``WHERE`` is re-checked under the row lock on PostgreSQL).
    """
    wanted = sorted(set(task_ids))
    if not wanted:
        return 0
    now = datetime.now(UTC)
    with database.session() as session:
        result = session.execute(
            update(TaskInstance)
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.task_id.in_(wanted),
                or_(TaskInstance.state.is_(None), TaskInstance.state.in_(NOT_STARTED)),
                *([TaskInstance.map_index == map_index] if map_index >= 0 else []),
            )
            .values(state=S.SKIPPED, start_date=now, end_date=now, duration=0.0, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return int(getattr(result, "rowcount", 0) or 0)
