"""Matching many task instances (or their XComs) by key in few index look-ups.

A task instance is ``(dag_id, run_id, task_id, map_index)``. Keys are grouped by run: the
unmapped ones (``map_index`` -1) become one ``task_id IN (...)`` term, each mapped task's
instances one ``map_index IN (...)`` term, so a run's 1,000 static tasks and a task mapped
over 1,000 items both cost one term, not 1,000.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import and_, false, or_

#: Keys matched by one statement (SQLite nests an OR chain one level a term, up to 1,000).
KEYS_PER_STATEMENT = 200


class TIKey(NamedTuple):
    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1


def ti_keys_clause(model: Any, keys: Iterable[tuple[str, str, str, int]]) -> Any:
    """A WHERE clause matching rows of ``model`` whose key is one of ``keys``."""
    unmapped: dict[tuple[str, str], list[str]] = defaultdict(list)
    mapped: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for dag_id, run_id, task_id, map_index in keys:
        if map_index < 0:
            unmapped[dag_id, run_id].append(task_id)
        else:
            mapped[dag_id, run_id, task_id].append(map_index)
    terms = [
        and_(
            model.dag_id == dag_id,
            model.run_id == run_id,
            model.map_index == -1,
            model.task_id.in_(task_ids),
        )
        for (dag_id, run_id), task_ids in unmapped.items()
    ]
    terms += [
        and_(
            model.dag_id == dag_id,
            model.run_id == run_id,
            model.task_id == task_id,
            model.map_index.in_(indexes),
        )
        for (dag_id, run_id, task_id), indexes in mapped.items()
    ]
    return or_(*terms) if terms else false()
