"""task_reschedule: one row per poke of a sensor in ``reschedule`` mode that asked to wait.

A rescheduled sensor ends each poke and starts again later in the same try, so the try's
own ``start_date`` is that of the latest poke. The first row of a try keeps when the
waiting began, which is what the sensor's ``timeout`` counts from (Airflow keeps the
same table for the same reason).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base
from tradewind.db.types import UtcDateTime


class TaskReschedule(Base):
    __tablename__ = "task_reschedule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    map_index: Mapped[int] = mapped_column(Integer, default=-1, server_default=text("-1"))
    try_number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[datetime] = mapped_column(UtcDateTime)
    end_date: Mapped[datetime] = mapped_column(UtcDateTime)
    reschedule_date: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        ForeignKeyConstraint(
            ["dag_id", "run_id"], ["dag_run.dag_id", "dag_run.run_id"], ondelete="CASCADE"
        ),
        Index(None, "dag_id", "run_id", "task_id", "map_index", "try_number"),
    )
