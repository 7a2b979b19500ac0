"""task_instance_history: one row per finished piece of a try, so earlier tries stay visible.

The ``task_instance`` row holds only the latest try: a retry overwrites its dates. The
Gantt view needs every try (and every poke of a rescheduled sensor, every stretch before
a deferral), and the Rendered tab needs what each try rendered, so the task runner adds a
row here as it records each end. The row is written in the same transaction as the end,
never read on the scheduler's hot path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base
from tradewind.db.types import UtcDateTime


class TaskInstanceHistory(Base):
    __tablename__ = "task_instance_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    map_index: Mapped[int] = mapped_column(Integer, default=-1, server_default=text("-1"))
    try_number: Mapped[int] = mapped_column(Integer)
    #: How this piece ended: success, failed, up_for_retry, up_for_reschedule, deferred...
    state: Mapped[str | None] = mapped_column(String(20))
    queued_dttm: Mapped[datetime | None] = mapped_column(UtcDateTime)
    start_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    hostname: Mapped[str] = mapped_column(String(1000), default="")
    #: The templated fields as this try rendered them (secrets already masked), or None.
    rendered_fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        ForeignKeyConstraint(
            ["dag_id", "run_id"], ["dag_run.dag_id", "dag_run.run_id"], ondelete="CASCADE"
        ),
        Index(
            "ix_task_instance_history_try", "dag_id", "run_id", "task_id", "map_index", "try_number"
        ),
    )
