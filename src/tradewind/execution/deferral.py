"""Recording a deferral: the try ended ``deferred``, its trigger waits in the triggerer.

The trigger row and the task instance's resume point are written in the transaction that
records the try's end, so a triggerer never sees a trigger whose task is not deferred yet.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from tradewind.db.models import TaskInstance, TaskInstanceState, Trigger
from tradewind.exceptions import FAIL_METHOD

#: Airflow's reasons in ``next_kwargs["error"]``.
TRIGGER_TIMEOUT = "Trigger timeout"
TRIGGER_FAILURE = "Trigger failure"


def defer_task_instance(
    session: Session, ti: TaskInstance, deferral: dict[str, Any], now: datetime
) -> None:
    """``ti`` (running the try that deferred) -> ``deferred``, waiting on a new trigger.

    The try number goes back by one, as in Airflow 2: the resumed run is the same try
    (it starts as try ``n`` again and appends to that try's log), not a retry.
    """
    trigger = Trigger(
        classpath=deferral["classpath"],
        kwargs=json.dumps(deferral["kwargs"], separators=(",", ":")),
        created_date=now,
    )
    session.add(trigger)
    session.flush()  # its id
    ti.state = TaskInstanceState.DEFERRED
    ti.trigger_id = trigger.id
    ti.next_method = deferral["method_name"]
    ti.next_kwargs = json.dumps(deferral["next_kwargs"], separators=(",", ":"))
    ti.trigger_timeout = _wait_ends(deferral, now)
    ti.try_number = max(ti.try_number - 1, 0)
    ti.end_date = None
    ti.duration = None
    ti.updated_at = now


def _wait_ends(deferral: dict[str, Any], now: datetime) -> datetime | None:
    """When the wait fails as timed out: at the deferral's own ``timeout`` or the try's
    ``execution_timeout`` deadline, whichever comes first (as in Airflow)."""
    ends = []
    if (timeout := deferral.get("timeout")) is not None:
        ends.append(now + timedelta(seconds=timeout))
    if (deadline := deferral.get("deadline")) is not None:
        ends.append(datetime.fromisoformat(deadline))
    return min(ends, default=None)


def fail_timed_out(session: Session, now: datetime, *, dag_id: str | None = None) -> int:
    """Deferred tasks whose ``timeout`` passed go back to ``scheduled`` to fail; how many.

    One UPDATE, run by the triggerer's passes and by the scheduler's recovery step (as
    Airflow's ``check_trigger_timeouts``), so a timeout holds with no triggerer running.
    Conditional on ``deferred``: if both run it at once, each task is sent back once.
    """
    query = update(TaskInstance).where(
        TaskInstance.state == TaskInstanceState.DEFERRED,
        TaskInstance.trigger_timeout.is_not(None),
        TaskInstance.trigger_timeout < now,
    )
    if dag_id is not None:
        query = query.where(TaskInstance.dag_id == dag_id)
    result = session.execute(
        query.values(
            state=TaskInstanceState.SCHEDULED,
            next_method=FAIL_METHOD,
            next_kwargs=json.dumps({"error": TRIGGER_TIMEOUT}),
            trigger_id=None,
            trigger_timeout=None,
            updated_at=now,
        ).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
