"""Sizing a mapped task when the run reaches it: how many instances, from counts alone.

The expansion spec stored in the serialized DAG names literal lengths and upstream task
ids; an upstream task's length is one integer, from the ``task_map`` row its try wrote (or,
for a mapped upstream, the number of values its instances pushed). Values are never read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.dagfiles.serialization import SerializedDAG, SerializedTask
from tradewind.db.models import DagRun, TaskMap, XCom


@dataclass(frozen=True)
class Expansion:
    """``length`` instances, or ``error`` (why the task cannot expand)."""

    length: int = 0
    error: str | None = None


def literal_length(task: SerializedTask) -> int | None:
    """The instance count of a task mapped over literals only (known at run creation)."""
    spec = task.mapped
    if spec is None or any(True for _ in _xcom_ids(spec)):
        return None
    return _length(spec, {})


def expand_length(
    session: Session, run: DagRun, sdag: SerializedDAG, task: SerializedTask, max_length: int
) -> Expansion:
    """How many instances ``task`` has in ``run``; its upstream tasks have all finished."""
    spec = task.mapped
    assert spec is not None
    upstream = sorted(set(_xcom_ids(spec)))
    lengths = _upstream_lengths(session, run, sdag, upstream)
    missing = [task_id for task_id in upstream if lengths.get(task_id) is None]
    if missing:
        return Expansion(error=f"upstream task(s) {missing} pushed no list or dict to map over")
    length = _length(spec, lengths)
    if length > max_length:
        return Expansion(
            error=f"expanding to {length} instances exceeds [core] max_map_length ({max_length})"
        )
    return Expansion(length=length)


def mapped_input_task_ids(spec: dict[str, Any]) -> list[str]:
    """The tasks whose output an expansion maps over (none for literals)."""
    return sorted(set(_xcom_ids(spec)))


def _xcom_ids(spec: dict[str, Any]) -> Iterator[str]:
    for source in spec["sources"].values():
        yield from _source_ids(source)


def _source_ids(source: dict[str, Any]) -> Iterator[str]:
    if "xcom" in source:
        yield source["xcom"]
    for part in source.get("zip", ()):
        yield from _source_ids(part)


def _length(spec: dict[str, Any], lengths: dict[str, int | None]) -> int:
    sizes = [_source_length(source, lengths) for source in spec["sources"].values()]
    total = 1
    for size in sizes:  # expand(a=..., b=...): one instance per combination
        total *= size
    return total


def _source_length(source: dict[str, Any], lengths: dict[str, int | None]) -> int:
    if "literal" in source:
        return int(source["literal"])
    if "xcom" in source:
        return int(lengths[source["xcom"]] or 0)
    parts = [_source_length(part, lengths) for part in source["zip"]]
    if not parts:
        return 0
    return max(parts) if source.get("longest") else min(parts)


def _upstream_lengths(
    session: Session, run: DagRun, sdag: SerializedDAG, task_ids: Iterable[str]
) -> dict[str, int | None]:
    """Each upstream's element count: its ``task_map`` length, or for a mapped upstream
    the number of its instances that returned a value (what a puller sees)."""
    found: dict[str, int | None] = {}
    plain = [t for t in task_ids if t in sdag.tasks and not sdag.tasks[t].is_mapped]
    mapped = [t for t in task_ids if t in sdag.tasks and sdag.tasks[t].is_mapped]
    if plain:
        rows = session.execute(
            select(TaskMap.task_id, TaskMap.length).where(
                TaskMap.dag_id == run.dag_id,
                TaskMap.run_id == run.run_id,
                TaskMap.map_index == -1,
                TaskMap.task_id.in_(plain),
            )
        )
        found.update({task_id: length for task_id, length in rows})
    if mapped:
        rows = session.execute(
            select(XCom.task_id, func.count())
            .where(
                XCom.dag_id == run.dag_id,
                XCom.run_id == run.run_id,
                XCom.key == "return_value",
                XCom.map_index >= 0,
                XCom.task_id.in_(mapped),
            )
            .group_by(XCom.task_id)
        )
        counts = {task_id: count for task_id, count in rows}
        found.update({task_id: counts.get(task_id, 0) for task_id in mapped})
    return found
