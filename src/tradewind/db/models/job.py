"""Long-running Tradewind processes (schedulers) and their heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import Base
from tradewind.db.types import UtcDateTime


class Job(Base):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_type: Mapped[str] = mapped_column(String(30))  # "SchedulerJob"
    state: Mapped[str] = mapped_column(String(20))  # a JobState
    hostname: Mapped[str] = mapped_column(String(500), default="")
    pid: Mapped[int | None] = mapped_column(Integer)
    executor_class: Mapped[str] = mapped_column(String(500), default="")
    start_date: Mapped[datetime] = mapped_column(UtcDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    latest_heartbeat: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "job_type", "state", "latest_heartbeat"),)
