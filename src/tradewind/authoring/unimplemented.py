"""Arguments Tradewind accepts (so Airflow DAG files parse) but does not act on yet.

Nothing a DAG author writes may be ignored in silence. Each entry below names an argument of
``DAG`` or ``BaseOperator`` that is stored but changes nothing, how to tell that the author
set it, and why it does nothing. :func:`unimplemented_argument_warnings` is called once a DAG
file has been imported (see ``dagfiles.loader``); each argument set away from its default
gives one warning per DAG, naming the tasks. When a feature is built, delete its entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator
    from tradewind.authoring.dag import DAG

NOT_YET = "Tradewind does not implement it yet, so it has no effect"
REMOVED = "SLAs were removed in Airflow 3 and Tradewind does not implement them: it has no effect"


class UnimplementedArgumentWarning(UserWarning):
    """An argument was set that Tradewind accepts but does not act on."""


@dataclass(frozen=True)
class Unimplemented:
    """One argument that is accepted and stored but does nothing yet."""

    argument: str
    is_set: Callable[[Any], bool]  # given the DAG or the task
    why: str = NOT_YET


def _given(name: str) -> Callable[[Any], bool]:
    return lambda owner: getattr(owner, name, None) not in (None, "", [], {}, ())


def _task_date_differs(name: str) -> Callable[[Any], bool]:
    """A task's own start/end date (not the DAG's it inherited) would limit its runs."""

    def differs(task: BaseOperator) -> bool:
        mine = getattr(task, name)
        return task.has_dag() and mine is not None and mine != getattr(task.dag, name)

    return differs


DAG_ARGUMENTS: tuple[Unimplemented, ...] = (
    Unimplemented(
        "orientation",
        lambda dag: dag.orientation != "LR",
        "Tradewind's graph is always drawn left to right",
    ),
    Unimplemented("sla_miss_callback", _given("sla_miss_callback"), REMOVED),
)

TASK_ARGUMENTS: tuple[Unimplemented, ...] = (
    Unimplemented("sla", _given("sla"), REMOVED),
    Unimplemented("executor_config", _given("executor_config")),
    Unimplemented(
        "start_date",
        _task_date_differs("start_date"),
        "Tradewind does not implement a task's own start_date yet: it runs in all its DAG's runs",
    ),
    Unimplemented(
        "end_date",
        _task_date_differs("end_date"),
        "Tradewind does not implement a task's own end_date yet: it runs in all its DAG's runs",
    ),
)


def unimplemented_argument_warnings(dag: DAG) -> list[str]:
    """One message per argument the DAG or its tasks set that Tradewind does not act on."""
    where = f"DAG {dag.dag_id!r}"  # the loader names the file
    messages = [
        f"{where} sets {entry.argument}, but {entry.why}"
        for entry in DAG_ARGUMENTS
        if entry.is_set(dag)
    ]
    for entry in TASK_ARGUMENTS:
        task_ids = [task.task_id for task in dag.tasks if entry.is_set(task)]
        if task_ids:
            noun = "task" if len(task_ids) == 1 else "tasks"
            messages.append(
                f"{where}: {noun} {_some(task_ids)} set {entry.argument}, but {entry.why}"
            )
    return messages


def _some(task_ids: list[str], shown: int = 10) -> str:
    """The first few ids, so default_args on a large DAG make one readable line."""
    names = ", ".join(repr(task_id) for task_id in task_ids[:shown])
    rest = len(task_ids) - shown
    return f"{names} and {rest} more" if rest > 0 else names
