"""The rendered templated fields of a task instance's latest try (Airflow's RTIF table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base


class RenderedTaskInstanceFields(Base):
    """``{field: rendered value}`` as the try's task saw it, for the UI to show."""

    __tablename__ = "rendered_task_instance_fields"

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    rendered_fields: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        ForeignKeyConstraint(
            ["dag_id", "run_id", "task_id"],
            ["task_instance.dag_id", "task_instance.run_id", "task_instance.task_id"],
            ondelete="CASCADE",
        ),
    )
