"""The audit log: who changed what, recorded in the same transaction as the change."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from tradewind.authoring.timezone import utcnow
from tradewind.db.models import AuditLog

MAX_EXTRA = 2000  # a 1 MB conf must not turn the log into a second copy of it


def record(
    session: Session,
    event: str,
    actor: str,
    *,
    dag_id: str | None = None,
    run_id: str | None = None,
    task_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    text = json.dumps(extra, default=str, sort_keys=True) if extra else ""
    if len(text) > MAX_EXTRA:
        text = text[: MAX_EXTRA - 3] + "..."
    session.add(
        AuditLog(
            dttm=utcnow(),
            event=event,
            owner=actor,
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            extra=text,
        )
    )
