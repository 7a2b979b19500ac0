"""SubDagOperator: Airflow 2's deprecated way to nest a DAG, kept so old DAG files run.

Airflow ran a sub-DAG as a run of its own, driven by one task of the parent. Tradewind
inlines it instead, as Airflow's own deprecation notice suggests: the sub-DAG's tasks are
copied, at definition time, into a task group of the parent DAG named by the operator's
``task_id`` (``section-1.section-1-task-1``), with their dependencies, and the group stands
where the operator was (``start >> section_1 >> end``). The sub-DAG object itself is marked
as such, so the DAG loader does not register it as a DAG of its own.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tradewind.authoring import dag_context
from tradewind.authoring.task_group import TaskGroup, current_group
from tradewind.exceptions import DagDefinitionError

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator
    from tradewind.authoring.dag import DAG


class SubDagOperator(TaskGroup):
    """``SubDagOperator(task_id="section-1", subdag=factory(...))``: the sub-DAG's tasks as a
    task group of the parent DAG. Deprecated, as in Airflow: write a ``TaskGroup``."""

    def __init__(
        self,
        *,
        task_id: str,
        subdag: DAG,
        dag: DAG | None = None,
        task_group: TaskGroup | None = None,
        default_args: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        parent = dag or (task_group.dag if task_group is not None else dag_context.current())
        if parent is None:
            raise DagDefinitionError(
                f"SubDagOperator {task_id!r} is not attached to a DAG; create it inside a "
                f"`with DAG(...)` block or pass dag=..."
            )
        _check_subdag(task_id, subdag, parent)
        warnings.warn(
            f"SubDagOperator {task_id!r} is deprecated (as in Airflow 2): Tradewind runs "
            f"sub-DAG {subdag.dag_id!r} as task group {task_id!r} of DAG {parent.dag_id!r}; "
            f"write a TaskGroup instead",
            DeprecationWarning,
            stacklevel=2,
        )
        _warn_no_effect(task_id, {**kwargs, "default_args": default_args})
        super().__init__(
            task_id,
            parent_group=task_group or current_group(parent),
            dag=parent,
            tooltip=subdag.description or "",
        )
        subdag.parent_dag = parent
        self.subdag = subdag
        _inline(subdag, subdag.task_group, self)

    @property
    def task_id(self) -> str | None:
        """The id the operator was given: the group's id."""
        return self.group_id


def _check_subdag(task_id: str, subdag: Any, parent: DAG) -> None:
    from tradewind.authoring.dag import DAG

    if not isinstance(subdag, DAG):
        raise DagDefinitionError(
            f"SubDagOperator {task_id!r} needs subdag=<a DAG>, got {type(subdag).__name__}"
        )
    expected = f"{parent.dag_id}.{task_id}"
    if subdag.dag_id != expected:
        raise DagDefinitionError(
            f"SubDagOperator {task_id!r}: the sub-DAG's dag_id must be the parent's dag_id "
            f"and this task_id joined by a dot, {expected!r}; got {subdag.dag_id!r}"
        )
    if subdag.parent_dag is not None:
        raise DagDefinitionError(
            f"SubDagOperator {task_id!r}: sub-DAG {subdag.dag_id!r} is already used by "
            f"another SubDagOperator; build a new one for each (call its factory again)"
        )


def _warn_no_effect(task_id: str, kwargs: dict[str, Any]) -> None:
    """Operator settings (retries, pool, default_args...) and the sub-DAG run's own ones
    (conf, propagate_skipped_state) belonged to the task that drove a separate sub-DAG run;
    inlined, there is neither."""
    from tradewind.authoring.unimplemented import UnimplementedArgumentWarning

    ignored = sorted(name for name, value in kwargs.items() if value not in (None, {}))
    if ignored:
        verb, pronoun = ("has", "it") if len(ignored) == 1 else ("have", "them")
        warnings.warn(
            f"SubDagOperator {task_id!r}: {', '.join(ignored)} {verb} no effect: its sub-DAG "
            f"runs as a task group, so there is no task of its own to apply {pronoun} to",
            UnimplementedArgumentWarning,
            stacklevel=3,
        )


def _inline(subdag: DAG, source: TaskGroup, target: TaskGroup) -> None:
    """Copy ``source``'s tasks and groups (recursively) into ``target``, then the edges."""
    copies: dict[str, BaseOperator] = {}
    _copy_group(source, target, copies)
    for task in copies.values():
        _rebind_xcom_args(task, subdag, copies)
    for original_id, task in copies.items():
        original = subdag.get_task(original_id)
        for downstream_id in original.downstream_task_ids:
            task.set_downstream(copies[downstream_id])
            info = subdag.get_edge_info(original_id, downstream_id)
            if info:
                target.dag.set_edge_info(task.task_id, copies[downstream_id].task_id, info)


def _rebind_xcom_args(task: BaseOperator, subdag: DAG, copies: dict[str, BaseOperator]) -> None:
    """Values passed between the sub-DAG's tasks (``XComArg``) now come from the copies."""
    for name in task.template_fields:
        setattr(task, name, _rebound(getattr(task, name, None), subdag, copies))


def _rebound(value: Any, subdag: DAG, copies: dict[str, BaseOperator]) -> Any:
    from tradewind.authoring.xcom_arg import XComArg

    if type(value) is XComArg and value.operator.dag_id == subdag.dag_id:
        return XComArg(copies[value.operator.task_id], value.key)
    if type(value) in (list, tuple):
        return type(value)(_rebound(item, subdag, copies) for item in value)
    if type(value) is dict:
        return {key: _rebound(item, subdag, copies) for key, item in value.items()}
    return value


def _copy_group(source: TaskGroup, target: TaskGroup, copies: dict[str, BaseOperator]) -> None:
    from tradewind.authoring.baseoperator import BaseOperator

    for child in source.children.values():
        if isinstance(child, TaskGroup):
            inner = TaskGroup(
                child.label or "",
                prefix_group_id=child.prefix_group_id,
                parent_group=target,
                dag=target.dag,
                tooltip=child.tooltip,
                ui_color=child.ui_color,
                ui_fgcolor=child.ui_fgcolor,
            )
            _copy_group(child, inner, copies)
        elif isinstance(child, BaseOperator):
            copies[child.task_id] = _copy_task(child, target)


def _copy_task(task: BaseOperator, group: TaskGroup) -> BaseOperator:
    """The task as a member of ``group`` in the parent DAG: same settings, new id, no edges."""
    clone = copy.copy(task)
    clone.task_id = group.child_id(task.label)
    clone.task_group = group
    clone.upstream_task_ids = set()
    clone.downstream_task_ids = set()
    clone._dag = None
    clone.params = copy.deepcopy(task.params)
    clone.dag = group.dag
    return clone
