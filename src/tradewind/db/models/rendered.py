"""The rendered templated fields of a task instance's latest try (Airflow's RTIF table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base


class RenderedTaskInstanceFields(Base):
    """``{field: rendered value}`` as the try's task saw it, for the UI to show."""

    __tablename__ = "rendered_task_instance_fields"

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    map_index: Mapped[int] = mapped_column(
        Integer, primary_key=True, default=-1, server_default=text("-1")
    )
    rendered_fields: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        ForeignKeyConstraint(
            ["dag_id", "run_id", "task_id", "map_index"],
            [
                "task_instance.dag_id",
                "task_instance.run_id",
                "task_instance.task_id",
                "task_instance.map_index",
            ],
            ondelete="CASCADE",
        ),
    )
