"""How many elements a task instance's return value has, for the tasks mapped over it.

Written when a try whose task feeds a mapped task pushes a list or dict, so the scheduler
sizes the expansion from one integer instead of reading (and decoding) the value itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base


class TaskMap(Base):
    __tablename__ = "task_map"

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    map_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    length: Mapped[int] = mapped_column(Integer)
    # A dict's keys, in order (None for a list).
    keys: Mapped[list[Any] | None] = mapped_column(JSON)

    __table_args__ = (
        ForeignKeyConstraint(
            ["dag_id", "run_id"], ["dag_run.dag_id", "dag_run.run_id"], ondelete="CASCADE"
        ),
    )
