"""``tasks test`` and ``tasks render`` of one instance of a mapped task (``--map-index``).

Both import the DAG file and record nothing, so they can only build an instance whose
input is written in the file (a literal list or dict): an upstream task's output exists
only in a run, where ``tasks run --map-index`` runs the instance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.mapping import MappedOperator
from tradewind.cli.app import MAP_INDEX_FLAG
from tradewind.exceptions import BadRequest


def live_instance(
    dag_id: str, task: BaseOperator, map_index: int, context: Mapping[str, Any]
) -> BaseOperator:
    """``task`` itself, or for a mapped task the operator its instance ``map_index`` runs."""
    if not isinstance(task, MappedOperator):
        if map_index >= 0:
            raise BadRequest(
                f"Task {task.task_id} of DAG {dag_id} is not mapped: leave out {MAP_INDEX_FLAG} "
                f"(map index {map_index} was given)"
            )
        return task
    count = literal_count(task)
    if count is None:
        upstream = ", ".join(sorted(ref.task_id for ref in task.expand_input.references()))
        raise BadRequest(
            f"Task {task.task_id} of DAG {dag_id} maps over the output of {upstream}, which "
            f"exists only in a run: run the instance there with `tradewind tasks run "
            f"{dag_id} {task.task_id} RUN_ID {MAP_INDEX_FLAG.split()[0]} N`"
        )
    if not 0 <= map_index < count:
        indexes = f"0-{count - 1}" if count > 1 else "0" if count else "none (its input is empty)"
        chosen = "" if map_index < 0 else f" (map index {map_index} was given)"
        raise BadRequest(
            f"Task {task.task_id} of DAG {dag_id} is mapped: pick one of its instances with "
            f"{MAP_INDEX_FLAG}; its map indexes are {indexes}{chosen}"
        )
    return task.unmap(map_index, context)


def literal_count(task: MappedOperator) -> int | None:
    """How many instances the file's own values make; None when an upstream output decides."""
    spec = task.expansion_spec()
    lengths = [source.get("literal") for source in spec["sources"].values()]
    if any(length is None for length in lengths):
        return None
    return math.prod(int(length) for length in lengths if length is not None)
