"""XCom: small values tasks hand to each other, stored as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base
from tradewind.db.types import UtcDateTime


class XCom(Base):
    __tablename__ = "xcom"

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    map_index: Mapped[int] = mapped_column(
        Integer, primary_key=True, default=-1, server_default=text("-1")
    )
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        ForeignKeyConstraint(
            ["dag_id", "run_id"], ["dag_run.dag_id", "dag_run.run_id"], ondelete="CASCADE"
        ),
    )
