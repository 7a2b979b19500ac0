"""What ends a deferral: an event resumes the task; a timeout or a broken trigger fails it.

Each is one conditional UPDATE of the task instance (``state = 'deferred' AND trigger_id =
:id``), so a trigger resumes its task exactly once even when two triggerers ran it (one
presumed dead that was only slow): the second update matches nothing. The task goes back
to ``scheduled`` with ``next_method``/``next_kwargs`` set; the scheduler queues it like any
other, and the try calls ``next_method`` instead of ``execute``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from tradewind.authoring.triggers.serde import encode
from tradewind.db.models import TaskInstance, TaskInstanceState, Trigger
from tradewind.exceptions import FAIL_METHOD
from tradewind.execution.deferral import TRIGGER_FAILURE, fail_timed_out

__all__ = ["delete_unused", "fail_timed_out", "resume"]

S = TaskInstanceState

_TABLE = cast(Table, TaskInstance.__table__)
_ti = _TABLE.c
_RESUME = (
    update(_TABLE)
    .where(
        _ti.dag_id == bindparam("b_dag_id"),
        _ti.run_id == bindparam("b_run_id"),
        _ti.task_id == bindparam("b_task_id"),
        _ti.trigger_id == bindparam("b_trigger_id"),
        _ti.state == S.DEFERRED,
    )
    .values(
        state=S.SCHEDULED,
        next_method=bindparam("b_next_method"),
        next_kwargs=bindparam("b_next_kwargs"),
        trigger_id=None,
        trigger_timeout=None,
        updated_at=bindparam("b_now"),
    )
)


def resume(
    session: Session,
    outcomes: Iterable[tuple[int, Any]],
    now: datetime,
    *,
    failed: bool = False,
) -> int:
    """Put the tasks waiting on these triggers back to ``scheduled``; how many.

    ``outcomes``: (trigger id, event payload), or with ``failed`` (trigger id, traceback
    lines): the task then fails in its resumed try, as in Airflow.
    """
    by_trigger = dict(outcomes)
    if not by_trigger:
        return 0
    params: list[dict[str, Any]] = []
    ids = sorted(by_trigger)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        waiting = session.execute(
            select(
                TaskInstance.dag_id,
                TaskInstance.run_id,
                TaskInstance.task_id,
                TaskInstance.trigger_id,
                TaskInstance.next_method,
                TaskInstance.next_kwargs,
            ).where(TaskInstance.trigger_id.in_(chunk), TaskInstance.state == S.DEFERRED)
        ).all()
        for row in waiting:
            value = by_trigger[row.trigger_id]
            if failed:
                method = FAIL_METHOD
                kwargs: dict[str, Any] = {"error": TRIGGER_FAILURE, "traceback": value}
            else:
                method = row.next_method
                kwargs = {**json.loads(row.next_kwargs or "{}"), "event": value}
            params.append(
                {
                    "b_dag_id": row.dag_id,
                    "b_run_id": row.run_id,
                    "b_task_id": row.task_id,
                    "b_trigger_id": row.trigger_id,
                    "b_next_method": method,
                    "b_next_kwargs": json.dumps(encode(kwargs, "the trigger's event")),
                    "b_now": now,
                }
            )
    resumed = 0
    if params:
        result = session.execute(_RESUME, params)
        resumed = int(getattr(result, "rowcount", 0) or 0)
    for start in range(0, len(ids), 500):
        session.execute(delete(Trigger).where(Trigger.id.in_(ids[start : start + 500])))
    return resumed


def delete_unused(session: Session) -> int:
    """Drop triggers no deferred task waits on (it timed out, was cleared, marked...)."""
    waited_on = select(TaskInstance.trigger_id).where(
        TaskInstance.state == S.DEFERRED, TaskInstance.trigger_id.is_not(None)
    )
    result = session.execute(
        delete(Trigger)
        .where(Trigger.id.not_in(waited_on))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
