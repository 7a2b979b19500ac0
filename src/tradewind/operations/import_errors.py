"""The DAG files that failed to import, as the parser recorded them (one row per file)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, select

from tradewind.db.models import ImportErrorModel
from tradewind.exceptions import ImportErrorNotFound

if TYPE_CHECKING:
    from tradewind.db.engine import Database

# What a list may be sorted by, by Airflow's names.
ORDERING: dict[str, ColumnElement[Any]] = {
    "id": ImportErrorModel.id,  # type: ignore[dict-item]
    "import_error_id": ImportErrorModel.id,  # type: ignore[dict-item]
    "timestamp": ImportErrorModel.timestamp,  # type: ignore[dict-item]
    "filename": ImportErrorModel.filename,  # type: ignore[dict-item]
}
_COLUMNS = (
    ImportErrorModel.id,
    ImportErrorModel.filename,
    ImportErrorModel.timestamp,
    ImportErrorModel.message,
    ImportErrorModel.stacktrace,
)


@dataclass(frozen=True)
class ImportErrorView:
    id: int
    filename: str
    timestamp: datetime
    stack_trace: str


def _view(row: Any) -> ImportErrorView:
    """Airflow keeps one text, the traceback; the parser here keeps the message apart."""
    trace = row.stacktrace or ""
    text = trace if row.message and row.message in trace else f"{row.message}\n{trace}".strip()
    return ImportErrorView(row.id, row.filename, row.timestamp, text)


def import_error_page(
    db: Database, *, limit: int, offset: int, order: Sequence[ColumnElement[Any]]
) -> tuple[list[ImportErrorView], int]:
    with db.read_connection() as connection:
        total = int(connection.scalar(select(func.count(ImportErrorModel.id))) or 0)
        rows = connection.execute(
            select(*_COLUMNS).order_by(*order).limit(limit).offset(offset)
        ).all()
    return [_view(row) for row in rows], total


def get_import_error(db: Database, import_error_id: int) -> ImportErrorView:
    with db.read_connection() as connection:
        row = connection.execute(
            select(*_COLUMNS).where(ImportErrorModel.id == import_error_id)
        ).first()
    if row is None:
        raise ImportErrorNotFound(
            f"The ImportError with import_error_id: `{import_error_id}` was not found"
        )
    return _view(row)
