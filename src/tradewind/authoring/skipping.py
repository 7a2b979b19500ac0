"""Which tasks a branching or short-circuiting task skips, and how it asks for the skip.

The decisions are pure functions of the DAG's shape, so they can be read and tested without
a run. The skip itself goes through the running task instance (``context["ti"]``), the same
narrow runtime interface XCom uses: authoring code never touches the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from tradewind.exceptions import AirflowException

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator

log = logging.getLogger("tradewind.task")

#: The XCom key under which a branch records the direct downstream tasks it ``"followed"``
#: and a short circuit the tasks it ``"skipped"`` (Airflow's key and shape). The scheduler
#: reads it for a task cleared after the decision, so one left out stays skipped.
SKIP_DECISION_KEY = "skipmixin_key"
FOLLOWED = "followed"
SKIPPED = "skipped"


class SkipsDownstream:
    """Marks an operator whose run decides which tasks below it are skipped.

    The flag is serialized, so the scheduler knows to read the decision (see
    :data:`SKIP_DECISION_KEY`) without importing DAG code.
    """

    skips_downstream = True


@runtime_checkable
class SkipsTasks(Protocol):
    """A task instance that can mark other not-yet-started tasks of its run skipped."""

    def skip_tasks(self, task_ids: Iterable[str]) -> None: ...


@dataclass(frozen=True)
class BranchDecision:
    """The direct downstream tasks a branch follows, and those it skips (both sorted)."""

    followed: list[str]
    skipped: list[str]


def branch_ids(value: Any) -> set[str]:
    """What a branch callable returned, as a set of task ids.

    ``None`` (and an empty list) follow nothing; a string is one task id; any other
    iterable (a dict's keys too, as in Airflow) holds task ids. Anything else is the DAG
    author's mistake, named in the error.
    """
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    if not isinstance(value, Iterable):
        raise AirflowException(
            "'branch_task_ids' must be either None, a task ID, or an Iterable of IDs, "
            f"but got {type(value).__name__!r}."
        )
    ids = list(value)
    not_strings = [f"{item!r} ({type(item).__name__})" for item in ids if not isinstance(item, str)]
    if not_strings:
        raise AirflowException(
            "'branch_task_ids' expected all task IDs are strings. "
            f"Invalid tasks found: {not_strings}."
        )
    return set(ids)


def decide_branch(task: BaseOperator, chosen: Any) -> BranchDecision:
    """Which direct downstream tasks of ``task`` run when its callable returned ``chosen``.

    A direct downstream task is followed when it was chosen, or when it lies below a chosen
    task: in ``branch >> [a, join]; a >> join``, choosing ``a`` must not skip ``join``,
    which waits for ``a`` (its trigger rule decides). Every other direct downstream task is
    skipped. Chosen ids the DAG does not have are an error naming them.
    """
    dag = task.dag
    wanted = _with_group_roots(dag, branch_ids(chosen))
    unknown = sorted(wanted - set(dag.task_ids))
    if unknown:
        raise AirflowException(
            "'branch_task_ids' must contain only valid task_ids. "
            f"Invalid tasks found: {unknown} (returned by task {task.task_id!r}; "
            f"its downstream tasks are {sorted(task.downstream_task_ids)})."
        )
    reachable = set(wanted)
    for task_id in wanted:
        reachable |= dag.get_task(task_id).get_flat_relative_ids(upstream=False)
    downstream = sorted(task.downstream_task_ids)
    return BranchDecision(
        followed=[tid for tid in downstream if tid in reachable],
        skipped=[tid for tid in downstream if tid not in reachable],
    )


def _with_group_roots(dag: Any, ids: set[str]) -> set[str]:
    """A chosen task group's id stands for the group's root tasks, as in Airflow.

    Read from the DAG's ``task_group`` (its ``iter_groups()``, each with ``group_id`` and
    ``roots``) when the DAG has task groups; ids that name tasks are kept as they are.
    """
    if ids <= set(dag.task_ids):
        return ids
    root = getattr(dag, "task_group", None)
    iter_groups = getattr(root, "iter_groups", None)
    if iter_groups is None:
        return ids
    groups = {group.group_id: group for group in iter_groups()}
    expanded: set[str] = set()
    for task_id in ids:
        group = groups.get(task_id) if not dag.has_task(task_id) else None
        if group is None:
            expanded.add(task_id)
        else:
            expanded.update(member.task_id for member in group.roots)
    return expanded


def short_circuit_skips(task: BaseOperator, *, ignore_downstream_trigger_rules: bool) -> list[str]:
    """What a short circuit skips when its condition is falsy.

    Every task below it by default; only the direct downstream tasks when it respects the
    trigger rules further down (the scheduler then decides for those from their upstream).
    """
    if ignore_downstream_trigger_rules:
        return sorted(task.get_flat_relative_ids(upstream=False))
    return sorted(task.downstream_task_ids)


def record_decision(context: Mapping[str, Any], kind: str, task_ids: Iterable[str]) -> None:
    """Keep what was decided (``FOLLOWED`` or ``SKIPPED`` tasks) in this try's XCom."""
    ti = context.get("ti")
    if ti is not None:
        ti.xcom_push(SKIP_DECISION_KEY, {kind: sorted(task_ids)})


def skip_is_recorded(decision: Any, task_id: str) -> bool:
    """Whether a recorded decision of a direct upstream task leaves ``task_id`` out."""
    if not isinstance(decision, Mapping):
        return False
    followed = decision.get(FOLLOWED)
    if isinstance(followed, list):
        return task_id not in followed
    skipped = decision.get(SKIPPED)
    return isinstance(skipped, list) and task_id in skipped


def skip(context: Mapping[str, Any], task_ids: Iterable[str]) -> None:
    """Ask the running task instance to mark ``task_ids`` skipped."""
    ids = sorted(task_ids)
    if not ids:
        return
    ti = context.get("ti")
    if not isinstance(ti, SkipsTasks):
        log.warning("This run cannot record skips; would have skipped %s", ", ".join(ids))
        return
    log.info("Skipping tasks %s", ", ".join(ids))
    ti.skip_tasks(ids)
