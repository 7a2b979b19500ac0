"""Audit log of actions people and clients take (trigger, pause, delete, pool changes...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base
from tradewind.db.types import UtcDateTime


class AuditLog(Base):
    __tablename__ = "log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dttm: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    event: Mapped[str] = mapped_column(String(60))
    # The authenticated user or principal, "cli" / "scheduler" otherwise.
    owner: Mapped[str] = mapped_column(String(512), default="")
    dag_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    task_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    run_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    extra: Mapped[str] = mapped_column(Text, default="")

    # A DAG's audit log page reads its newest entries first, a page at a time.
    __table_args__ = (Index(None, "dag_id", "dttm"),)
