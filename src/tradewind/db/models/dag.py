"""What the DAG folder holds: DAGs, their serialized structure, files and import errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import ID_LENGTH, Base
from tradewind.db.types import UtcDateTime


class DagModel(Base):
    """One row per DAG id: the state people change (paused) and what the list pages show."""

    __tablename__ = "dag"

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    is_paused: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    fileloc: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[str | None] = mapped_column(String(1000))
    owners: Mapped[str] = mapped_column(String(2000), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    max_active_runs: Mapped[int | None] = mapped_column(Integer)
    max_active_tasks: Mapped[int | None] = mapped_column(Integer)
    # The next scheduled run, as the scheduler last computed it.
    next_dagrun: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_dagrun_data_interval_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_dagrun_data_interval_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_dagrun_create_after: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_parsed_time: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "is_active", "is_paused", "next_dagrun_create_after"),)


class SerializedDagModel(Base):
    """The DAG's structure as JSON, so the scheduler and webserver never import user code."""

    __tablename__ = "serialized_dag"

    dag_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    fileloc: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    dag_hash: Mapped[str] = mapped_column(String(64))
    last_updated: Mapped[datetime] = mapped_column(UtcDateTime)


class DagFile(Base):
    """A parsed DAG file: its source (for ``/code``) and what tells an unchanged file."""

    __tablename__ = "dag_file"

    fileloc: Mapped[str] = mapped_column(String(1024), primary_key=True)
    mtime: Mapped[float] = mapped_column(Float)
    size: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    dag_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_parsed: Mapped[datetime] = mapped_column(UtcDateTime)
    parse_duration: Mapped[float] = mapped_column(Float, default=0.0)


class ImportErrorModel(Base):
    """A DAG file that failed to import; cleared when the file parses again."""

    __tablename__ = "import_error"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filename: Mapped[str] = mapped_column(String(1024), index=True)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    message: Mapped[str] = mapped_column(Text)
    stacktrace: Mapped[str] = mapped_column(Text, default="")
