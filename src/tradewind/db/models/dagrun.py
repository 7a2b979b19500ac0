"""Dag runs and the task instances inside them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base
from tradewind.db.types import UtcDateTime
from tradewind.states import DagRunState, RunType, TaskInstanceState

__all__ = ["DagRun", "DagRunState", "RunType", "TaskInstance", "TaskInstanceState"]


class DagRun(Base):
    __tablename__ = "dag_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Airflow's "execution_date": the logical date (start of the data interval).
    execution_date: Mapped[datetime] = mapped_column(UtcDateTime)
    data_interval_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    data_interval_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(20), default=DagRunState.QUEUED)
    run_type: Mapped[str] = mapped_column(String(20), default=RunType.MANUAL)
    external_trigger: Mapped[bool] = mapped_column(Boolean, default=True)
    conf: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    start_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Who asked for the run: a user name, a Kerberos principal, "scheduler", "cli".
    triggered_by: Mapped[str | None] = mapped_column(String(512))
    # What a person wrote about the run (the stable API's ``note``).
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("dag_id", "run_id"),
        UniqueConstraint("dag_id", "execution_date"),
        Index(None, "state", "dag_id"),
        # A DAG's runs in one state, in date order: the API's filtered run list.
        Index(None, "dag_id", "state", "execution_date"),
        # A DAG's runs in id order: the stable API's default run list.
        Index(None, "dag_id", "id"),
    )

    def __repr__(self) -> str:
        return (
            f"<DagRun {self.dag_id} @ {self.execution_date}: {self.run_id}, "
            f"state:{self.state}, queued_at: {self.queued_at}. "
            f"externally triggered: {self.external_trigger}>"
        )


class TaskInstance(Base):
    __tablename__ = "task_instance"

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    # -1 for a task that is not mapped; 0..n-1 for the instances of a mapped task.
    map_index: Mapped[int] = mapped_column(
        Integer, primary_key=True, default=-1, server_default=text("-1")
    )
    state: Mapped[str | None] = mapped_column(String(20))
    # try_number counts tries started so far (0 before the first); max_tries = retries.
    try_number: Mapped[int] = mapped_column(Integer, default=0)
    max_tries: Mapped[int] = mapped_column(Integer, default=0)
    start_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    duration: Mapped[float | None] = mapped_column(Float)
    hostname: Mapped[str] = mapped_column(String(1000), default="")
    unixname: Mapped[str] = mapped_column(String(1000), default="")
    pid: Mapped[int | None] = mapped_column(Integer)
    pool: Mapped[str] = mapped_column(String(256), default="default_pool")
    pool_slots: Mapped[int] = mapped_column(Integer, default=1)
    queue: Mapped[str] = mapped_column(String(256), default="default")
    priority_weight: Mapped[int] = mapped_column(Integer, default=1)
    operator: Mapped[str | None] = mapped_column(String(1000))
    queued_dttm: Mapped[datetime | None] = mapped_column(UtcDateTime)
    queued_by_job_id: Mapped[int | None] = mapped_column(Integer)
    external_executor_id: Mapped[str | None] = mapped_column(String(250))
    next_retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A deferral: the trigger waited on, the method to resume in and its keyword arguments
    # (JSON text; the event is added as ``event``), and when the wait gives up.
    trigger_id: Mapped[int | None] = mapped_column(Integer)
    next_method: Mapped[str | None] = mapped_column(String(1000))
    next_kwargs: Mapped[str | None] = mapped_column(Text)
    trigger_timeout: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        ForeignKeyConstraint(
            ["dag_id", "run_id"], ["dag_run.dag_id", "dag_run.run_id"], ondelete="CASCADE"
        ),
        Index(None, "state", "pool"),
        Index(None, "dag_id", "state"),
        Index(None, "trigger_id"),
        Index(None, "state", "trigger_timeout"),
    )
