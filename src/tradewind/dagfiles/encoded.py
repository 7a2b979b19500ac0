"""A serialized DAG as a parse worker hands it to the sync: JSON text, hash and columns.

Sending the serialized dict itself made the parent unpickle every DAG, encode it twice
(once for :func:`~tradewind.dagfiles.serialization.dag_hash`, once for the ``data``
column) and hold all of them at once: at 10,000 files that was most of the parent's CPU
and memory. The worker does that work instead, in parallel, and sends the finished text;
the parent only decodes the few DAGs whose dataset references it must record.

The text travels and waits zlib-compressed (level 1: a 12 kB DAG of ten tasks becomes
about 1.5 kB for some 50 µs of a worker's time) and is written in batches, so the parent
never holds every DAG's JSON at once.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table, Text, bindparam, cast, insert, update
from sqlalchemy.orm import Session

from tradewind.dagfiles.serialization import canonical_json
from tradewind.db.models import SerializedDagModel

#: DAGs per executemany of ``serialized_dag`` rows.
WRITE_BATCH = 500


@dataclass(frozen=True)
class EncodedDag:
    """What the sync writes for one DAG, ready for the bulk statements."""

    dag_id: str
    fileloc: str
    #: The serialized DAG exactly as the ``data`` column stores it (its canonical JSON,
    #: which :func:`~tradewind.dagfiles.serialization.dag_hash` hashes), compressed with zlib.
    data_zlib: bytes
    dag_hash: str
    schedule: str | None
    owners: str
    tags: list[str]
    description: str | None
    max_active_runs: int
    max_active_tasks: int
    is_paused_upon_creation: bool | None
    #: Whether the DAG is scheduled on datasets or has dataset outlets, i.e. whether the
    #: sync must look inside the data to record its dataset references.
    refers_to_datasets: bool

    @property
    def data_json(self) -> str:
        return zlib.decompress(self.data_zlib).decode()

    def data(self) -> dict[str, Any]:
        """The serialized DAG decoded again (only needed for dataset references)."""
        decoded: dict[str, Any] = json.loads(self.data_json)
        return decoded


def encode_dag(serialized: dict[str, Any], catchup_default: bool) -> EncodedDag:
    """Fill in ``catchup`` where the author left it to the configuration, then encode."""
    if serialized.get("catchup") is None:
        serialized["catchup"] = catchup_default
    # Stored in the canonical form the hash is taken of: one encoding, not two (at 10,000
    # files the second was a fifth of the workers' CPU). Without ``dag_hash``'s
    # ``default=str``: a value JSON cannot hold fails the file instead of being stored as
    # its str(); whatever encodes without it encodes to the same text.
    text = canonical_json(serialized).encode()
    return EncodedDag(
        dag_id=serialized["dag_id"],
        fileloc=serialized["fileloc"],
        data_zlib=zlib.compress(text, 1),
        dag_hash=hashlib.sha256(text).hexdigest(),
        schedule=serialized["schedule"],
        owners=", ".join(serialized["owners"]),
        tags=serialized["tags"],
        description=serialized["description"],
        max_active_runs=serialized["max_active_runs"],
        max_active_tasks=serialized["max_active_tasks"],
        is_paused_upon_creation=serialized.get("is_paused_upon_creation"),
        refers_to_datasets=_refers_to_datasets(serialized),
    )


def _refers_to_datasets(serialized: dict[str, Any]) -> bool:
    if (serialized.get("timetable") or {}).get("condition"):
        return True
    return any(
        isinstance(item, dict) and item.get("__type") == "dataset"
        for task in serialized.get("tasks", [])
        for item in task.get("outlets") or []
    )


def write_serialized(
    session: Session, new: list[EncodedDag], changed: list[EncodedDag], now: datetime
) -> None:
    """Insert and update ``serialized_dag`` rows with the JSON text the workers encoded.

    Core statements with a text parameter: the ORM's JSON type would encode it again.
    """
    table = SerializedDagModel.__table__
    assert isinstance(table, Table)
    data: Any = bindparam("b_data", type_=Text())
    if session.get_bind().dialect.name == "postgresql":
        data = cast(data, JSON)  # SQLite keeps JSON as text; a cast there would mangle it
    values = {
        "fileloc": bindparam("b_fileloc"),
        "data": data,
        "dag_hash": bindparam("b_dag_hash"),
        "last_updated": bindparam("b_last_updated", type_=table.c.last_updated.type),
    }

    def rows(dags: list[EncodedDag]) -> list[dict[str, Any]]:
        return [
            {
                "b_dag_id": dag.dag_id,
                "b_fileloc": dag.fileloc,
                "b_data": dag.data_json,
                "b_dag_hash": dag.dag_hash,
                "b_last_updated": now,
            }
            for dag in dags
        ]

    statements = (
        (insert(table).values(dag_id=bindparam("b_dag_id"), **values), new),
        (update(table).where(table.c.dag_id == bindparam("b_dag_id")).values(**values), changed),
    )
    for statement, dags in statements:
        for start in range(0, len(dags), WRITE_BATCH):  # decompressed one batch at a time
            session.execute(statement, rows(dags[start : start + WRITE_BATCH]))
