"""Recording a deferral: the try ended ``deferred``, its trigger waits in the triggerer.

The trigger row and the task instance's resume point are written in the transaction that
records the try's end, so a triggerer never sees a trigger whose task is not deferred yet.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tradewind.db.models import TaskInstance, TaskInstanceState, Trigger


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
    timeout = deferral.get("timeout")
    ti.trigger_timeout = None if timeout is None else now + timedelta(seconds=timeout)
    ti.try_number = max(ti.try_number - 1, 0)
    ti.end_date = None
    ti.duration = None
    ti.updated_at = now
