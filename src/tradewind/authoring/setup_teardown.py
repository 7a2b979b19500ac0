"""Setup and teardown tasks: a resource made before some work and removed after it.

Marking is definition-time only: a setup is a task with ``is_setup``; a teardown has
``is_teardown`` and the trigger rule ``all_done_setup_success`` (it runs once everything
above it ended, provided one of its setups succeeded). The scheduler applies the rest from
the serialized DAG: a teardown's failure does not fail the run unless
``on_failure_fail_dagrun``, and clearing a task clears its setups and teardowns.

``with create >> delete:`` (a teardown, or a setup, used as a context manager) wires the
tasks created inside the block between the scope's setups and teardowns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradewind.authoring.dependencies import as_operators
from tradewind.authoring.trigger_rule import TriggerRule
from tradewind.exceptions import DagDefinitionError

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator


def mark_setup(task: BaseOperator) -> None:
    """Make ``task`` a setup (``task.as_setup()``)."""
    if task.is_teardown:
        raise DagDefinitionError(
            f"task {task.task_id!r} is already a teardown; a task cannot be both a setup "
            f"and a teardown"
        )
    task.is_setup = True


def mark_teardown(
    task: BaseOperator, setups: Any = None, on_failure_fail_dagrun: bool | None = None
) -> None:
    """Make ``task`` a teardown of ``setups`` (tasks, XComArgs or a list of them)."""
    if task.is_setup:
        raise DagDefinitionError(
            f"task {task.task_id!r} is already a setup; a task cannot be both a setup "
            f"and a teardown"
        )
    task.is_teardown = True
    task.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
    if on_failure_fail_dagrun is not None:
        task.on_failure_fail_dagrun = bool(on_failure_fail_dagrun)
    if setups is None:
        return
    for setup in as_operators(setups, end="exit"):
        mark_setup(setup)
        setup.set_downstream(task)


def check_marks(task: BaseOperator) -> None:
    """What can only be checked once the DAG is whole (called by ``DAG.validate``)."""
    if task.is_teardown and task.trigger_rule != TriggerRule.ALL_DONE_SETUP_SUCCESS:
        raise DagDefinitionError(
            f"teardown task {task.task_id!r} has trigger_rule {str(task.trigger_rule)!r}; a "
            f"teardown's trigger rule is always 'all_done_setup_success'"
        )
    if task.on_failure_fail_dagrun and not task.is_teardown:
        raise DagDefinitionError(
            f"task {task.task_id!r} sets on_failure_fail_dagrun but is not a teardown; only "
            f"a teardown takes it (use .as_teardown(on_failure_fail_dagrun=True))"
        )


# --- `with setup >> teardown:` -------------------------------------------------------------------


@dataclass
class _Scope:
    setups: list[BaseOperator]
    teardowns: list[BaseOperator]
    created: list[BaseOperator] = field(default_factory=list)


_scopes: list[_Scope] = []


def enter_scope(task: BaseOperator) -> None:
    """Open a block whose new tasks run after ``task``'s setups and before its teardowns."""
    if task.is_teardown:
        setups = [up for up in task.upstream_list if up.is_setup]
        teardowns = [task]
    elif task.is_setup:
        setups = [task]
        teardowns = [down for down in task.downstream_list if down.is_teardown]
    else:
        raise DagDefinitionError(
            f"task {task.task_id!r} is used as a context manager (`with ...:`) but is "
            f"neither a setup nor a teardown; mark it with .as_setup() or .as_teardown()"
        )
    _scopes.append(_Scope(setups, teardowns))


def exit_scope() -> None:
    """Close the innermost block: its new tasks' roots follow the setups, leaves precede
    the teardowns (a block nested inside is torn down before the enclosing one)."""
    scope = _scopes.pop()
    mine = {id(task) for task in scope.setups + scope.teardowns}
    work = [task for task in scope.created if id(task) not in mine]
    if _scopes:  # the enclosing block wraps the same tasks
        _scopes[-1].created.extend(work)
    if not work:
        return
    ids = {task.task_id for task in work}
    for task in work:
        if task.upstream_task_ids.isdisjoint(ids):
            for setup in scope.setups:
                setup.set_downstream(task)
        if task.downstream_task_ids.isdisjoint(ids):
            for teardown in scope.teardowns:
                task.set_downstream(teardown)


def note_created(task: BaseOperator) -> None:
    """A task was created; an open ``with setup >> teardown:`` block wraps it."""
    if _scopes:
        _scopes[-1].created.append(task)
