"""Datasets, their update events, who produces and consumes them, and the run queue.

``dataset_dag_run_queue`` holds, per consuming DAG, the datasets updated since its last
dataset-triggered run; the scheduler creates a run when the DAG's condition holds over
those rows, then empties the DAG's queue (Airflow's semantics).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base
from tradewind.db.types import UtcDateTime

URI_LENGTH = 3000


class DatasetModel(Base):
    __tablename__ = "dataset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uri: Mapped[str] = mapped_column(String(URI_LENGTH), unique=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DatasetAliasModel(Base):
    __tablename__ = "dataset_alias"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(URI_LENGTH), unique=True)


class DatasetAliasDataset(Base):
    """Which datasets an alias has resolved to (events added through it)."""

    __tablename__ = "dataset_alias_dataset"

    alias_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_alias.id", ondelete="CASCADE"), primary_key=True
    )
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )


class DatasetEvent(Base):
    """One update of a dataset: by a task's success or through the API."""

    __tablename__ = "dataset_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_dag_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    source_task_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    source_run_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    source_map_index: Mapped[int] = mapped_column(Integer, default=-1)
    # The aliases the event was added through (names), for the UI and alias scheduling.
    source_aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "dataset_id", "timestamp"),)


class DagScheduleDatasetReference(Base):
    """A DAG scheduled on a dataset (written by the DAG folder sync)."""

    __tablename__ = "dag_schedule_dataset_reference"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DagScheduleDatasetAliasReference(Base):
    """A DAG scheduled on a dataset alias."""

    __tablename__ = "dag_schedule_dataset_alias_reference"

    alias_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_alias.id", ondelete="CASCADE"), primary_key=True
    )
    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TaskOutletDatasetReference(Base):
    """A task that updates a dataset (its ``outlets``)."""

    __tablename__ = "task_outlet_dataset_reference"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DatasetDagRunQueue(Base):
    """A dataset updated since ``target_dag_id``'s last dataset-triggered run."""

    __tablename__ = "dataset_dag_run_queue"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True
    )
    target_dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DagRunDatasetEvent(Base):
    """The events that triggered a dataset-triggered run."""

    __tablename__ = "dagrun_dataset_event"

    dag_run_id: Mapped[int] = mapped_column(
        ForeignKey("dag_run.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_event.id", ondelete="CASCADE"), primary_key=True
    )
