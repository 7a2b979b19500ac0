"""Which instances a mapped task has in a run, for errors that say what to ask for instead.

A mapped task has no instance of its own (map index -1): each element of its input is one,
numbered from 0. Whoever names a mapped task without a map index (the API's
``?map_index=``, the CLI's ``--map-index``) is told the indexes there are; whoever gives a
map index to a task that is not mapped is told to leave it out.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tradewind.db.models import TaskInstance
from tradewind.exceptions import BadRequest, TaskNotFound


def map_indexes(session: Session, dag_id: str, run_id: str, task_id: str) -> list[int]:
    """The task's map indexes in the run, in order (empty: not expanded yet)."""
    return list(
        session.scalars(
            select(TaskInstance.map_index)
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.task_id == task_id,
                TaskInstance.map_index >= 0,
            )
            .order_by(TaskInstance.map_index)
        )
    )


def index_ranges(indexes: list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2, 5"``: what a list of hundreds of indexes reads as."""
    spans: list[tuple[int, int]] = []
    for index in indexes:
        if spans and index == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], index)
        else:
            spans.append((index, index))
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def instances_phrase(indexes: list[int], run_id: str) -> str:
    """``"its map indexes in run R are 0-499"``, or that it has none there yet."""
    if not indexes:
        return f"it has no instances in run {run_id} yet (they are made when the run gets there)"
    return f"its map indexes in run {run_id} are {index_ranges(indexes)}"


def check_map_index(
    session: Session,
    *,
    dag_id: str,
    run_id: str,
    task_id: str,
    is_mapped: bool,
    map_index: int,
    how: str,
) -> None:
    """Refuse a mapped task without a map index (or with one it does not have in the run),
    or a map index on a task that is not mapped, naming what to pass instead; ``how`` is
    the caller's way to give one (``"--map-index (-m)"``)."""
    if is_mapped:
        indexes = map_indexes(session, dag_id, run_id, task_id)
        if map_index < 0:
            raise BadRequest(
                f"Task {task_id} of DAG {dag_id} is mapped: pick one of its instances with "
                f"{how}; {instances_phrase(indexes, run_id)}"
            )
        if map_index not in indexes:
            raise TaskNotFound(
                f"Task {task_id} of DAG {dag_id} has no instance with map index {map_index}; "
                f"{instances_phrase(indexes, run_id)}"
            )
    if not is_mapped and map_index >= 0:
        raise BadRequest(
            f"Task {task_id} of DAG {dag_id} is not mapped: leave out {how} "
            f"(map index {map_index} was given)"
        )
