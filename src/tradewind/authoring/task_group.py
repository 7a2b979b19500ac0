"""Task groups: named, nestable sets of tasks that read as one unit in the UI and in ``>>``.

A group changes three things, all at definition time: the ids of its tasks (``group.task``
while ``prefix_group_id`` holds), the ``default_args`` its tasks start from (the group's
merged over the DAG's), and what ``>>`` means when a group is one side of it (edges come in
at the group's roots and leave from its leaves). The scheduler never sees groups: a run is
tasks and edges only. Every DAG has a root group (id ``None``) holding its ungrouped tasks,
so each task belongs to exactly one group and the tree can be serialized for the UI.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tradewind.authoring import dag_context
from tradewind.authoring.dependencies import DependencyMixin
from tradewind.exceptions import DagDefinitionError, DuplicateTaskIdError

if TYPE_CHECKING:
    from tradewind.authoring.baseoperator import BaseOperator
    from tradewind.authoring.dag import DAG

#: Airflow's rule for a group id: letters, digits, underscores and dashes (dots join levels).
_GROUP_ID_PATTERN = re.compile(r"^[\w-]+$", re.ASCII)
MAX_GROUP_ID_LENGTH = 200
DEFAULT_UI_COLOR = "CornflowerBlue"
DEFAULT_UI_FGCOLOR = "#000"
_NUMBER_SUFFIX = re.compile(r"__\d+$")

#: Groups whose ``with`` block is executing, innermost last.
_stack: list[TaskGroup] = []


class TaskGroup(DependencyMixin):
    """A group of tasks; use as ``with TaskGroup("g") as g:`` or pass as ``task_group=``.

    Mirrors Airflow 2's arguments. ``parent_group`` and ``dag`` default to the enclosing
    group and DAG. ``add_suffix_on_collision`` turns a repeated id into ``id__1``,
    ``id__2``... instead of an error (``@task_group`` turns it on, so a decorated group can
    be called several times).
    """

    _used_ids: set[str]  # only on the root group: every id taken in the DAG
    #: A mapped group (see ``mapped_task_group``) runs each of its tasks once per element.
    is_mapped = False

    def __init__(
        self,
        group_id: str,
        prefix_group_id: bool = True,
        parent_group: TaskGroup | None = None,
        dag: DAG | None = None,
        default_args: Mapping[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = DEFAULT_UI_COLOR,
        ui_fgcolor: str = DEFAULT_UI_FGCOLOR,
        add_suffix_on_collision: bool = False,
    ) -> None:
        owner = _owning_dag(group_id, dag, parent_group)
        parent = parent_group or current_group(owner)
        if parent.dag is not owner:
            raise DagDefinitionError(
                f"task group {group_id!r} is created for DAG {owner.dag_id!r} but its parent "
                f"group belongs to DAG {parent.dag.dag_id!r}"
            )
        self._init(owner, _validate_group_id(group_id, owner), parent, prefix_group_id)
        self.tooltip = _text(tooltip, "tooltip", group_id)
        self.ui_color = _text(ui_color, "ui_color", group_id)
        self.ui_fgcolor = _text(ui_fgcolor, "ui_fgcolor", group_id)
        # Deep-copied like Airflow: a task changing a mutable default must not leak back.
        self.default_args: dict[str, Any] = {
            **parent.default_args,
            **copy.deepcopy(dict(default_args or {})),
        }
        self._claim_id(add_suffix_on_collision)
        parent._add_child(self.group_id or "", self)

    @classmethod
    def root(cls, dag: DAG) -> TaskGroup:
        """The unnamed group every DAG has; its tasks keep their ids as written."""
        group = cls.__new__(cls)
        group._init(dag, None, None, prefix_group_id=True)
        group.tooltip = ""
        group.ui_color = DEFAULT_UI_COLOR
        group.ui_fgcolor = DEFAULT_UI_FGCOLOR
        group.default_args = {}
        group._used_ids = set()
        return group

    def _init(
        self, dag: DAG, label: str | None, parent: TaskGroup | None, prefix_group_id: bool
    ) -> None:
        self.dag = dag
        self._label = label
        self.parent_group = parent
        self.prefix_group_id = bool(prefix_group_id)
        self.children: dict[str, BaseOperator | TaskGroup] = {}

    # --- ids -----------------------------------------------------------------------------------

    @property
    def label(self) -> str | None:
        """The id as written (without the parents' prefix); ``None`` for the root group."""
        return self._label

    @property
    def group_id(self) -> str | None:
        """The full id: the label under every enclosing group that prefixes its children."""
        if self._label is None or self.parent_group is None:
            return self._label
        return self.parent_group.child_id(self._label)

    @property
    def is_root(self) -> bool:
        return self.parent_group is None

    def child_id(self, label: str) -> str:
        """The id a child called ``label`` gets in this group."""
        if self.prefix_group_id:
            group_id = self.group_id
            if group_id:
                return f"{group_id}.{label}"
        return label

    @property
    def _root(self) -> TaskGroup:
        group = self
        while group.parent_group is not None:
            group = group.parent_group
        return group

    @property
    def used_ids(self) -> set[str]:
        """Every group id and task id taken in this group's DAG."""
        return self._root._used_ids

    def _claim_id(self, add_suffix_on_collision: bool) -> None:
        group_id = self.group_id or ""
        if group_id in self.used_ids:
            if not add_suffix_on_collision:
                raise DuplicateTaskIdError(
                    f"group_id {group_id!r} has already been added to DAG "
                    f"{self.dag.dag_id!r}{self.dag.fileloc_suffix} (pass "
                    f"add_suffix_on_collision=True to number repeated groups)"
                )
            self._label = self._next_free_label()
        self.used_ids.add(self.group_id or "")

    def _next_free_label(self) -> str:
        """``label__N`` with N one past the highest number already used for this label."""
        assert self._label is not None and self.parent_group is not None
        base = _NUMBER_SUFFIX.sub("", self._label)
        taken = re.compile(rf"^{re.escape(self.parent_group.child_id(base))}__(\d+)$")
        numbers = [int(m.group(1)) for used in self.used_ids if (m := taken.match(used))]
        return f"{base}__{max(numbers, default=0) + 1}"

    # --- membership ----------------------------------------------------------------------------

    def add(self, task: BaseOperator) -> None:
        """Make ``task`` a member; the DAG does this when the task joins it."""
        # Task ids are checked against each other by the DAG; here only against groups.
        if task.task_id in self.used_ids and self.children.get(task.task_id) is not task:
            raise DuplicateTaskIdError(
                f"task id {task.task_id!r} is already the id of a task group in DAG "
                f"{self.dag.dag_id!r}{self.dag.fileloc_suffix}"
            )
        self._add_child(task.task_id, task)
        self.used_ids.add(task.task_id)

    def _add_child(self, key: str, child: BaseOperator | TaskGroup) -> None:
        existing = self.children.get(key)
        if existing is not None and existing is not child:
            raise DuplicateTaskIdError(
                f"{key!r} has already been added to task group {self.group_id!r} of DAG "
                f"{self.dag.dag_id!r}{self.dag.fileloc_suffix}"
            )
        self.children[key] = child

    def get_child_by_label(self, label: str) -> BaseOperator | TaskGroup:
        """The task or group created here as ``label`` (``tg.get_child_by_label("a")``)."""
        try:
            return self.children[self.child_id(label)]
        except KeyError:
            raise KeyError(
                f"task group {self.group_id!r} has no task or group {label!r}; it has "
                f"{sorted(self.children)}"
            ) from None

    def __iter__(self) -> Iterator[BaseOperator]:
        """Every task in this group and the groups inside it, in the order they were added."""
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                yield from child
            else:
                yield child

    def iter_groups(self) -> Iterator[TaskGroup]:
        """The groups inside this one, depth first, parents before their children."""
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                yield child
                yield from child.iter_groups()

    def __repr__(self) -> str:
        return f"<TaskGroup: {self.group_id}>"

    # --- dependencies --------------------------------------------------------------------------

    @property
    def roots(self) -> list[BaseOperator]:
        """Member tasks with no upstream task inside the group: where edges into it land."""
        tasks = list(self)
        ids = {task.task_id for task in tasks}
        return [task for task in tasks if task.upstream_task_ids.isdisjoint(ids)]

    @property
    def leaves(self) -> list[BaseOperator]:
        """Member tasks with no downstream task inside the group: where edges leave from.

        Teardowns do not count, as in Airflow: what follows the group waits for its work,
        not for the clean-up, so the last work task before a teardown is a leaf.
        """
        tasks = list(self)
        by_id = {task.task_id: task for task in tasks}
        plain = [task for task in tasks if task.downstream_task_ids.isdisjoint(by_id)]
        work = [
            task
            for task in tasks
            if not task.is_teardown
            and all(by_id[down].is_teardown for down in task.downstream_task_ids & by_id.keys())
            and not (task.is_setup and task.downstream_task_ids & by_id.keys())
        ]
        return work or plain

    def get_roots(self) -> list[BaseOperator]:
        return self.roots

    def get_leaves(self) -> list[BaseOperator]:
        return self.leaves

    def dependency_operators(self) -> list[BaseOperator]:
        return list(self)

    def entry_operators(self) -> list[BaseOperator]:
        return self._warn_if_empty(self.roots)

    def exit_operators(self) -> list[BaseOperator]:
        return self._warn_if_empty(self.leaves)

    def _warn_if_empty(self, operators: list[BaseOperator]) -> list[BaseOperator]:
        if not operators:
            warnings.warn(
                f"task group {self.group_id!r} of DAG {self.dag.dag_id!r} has no tasks yet, so "
                f"a dependency set on it now links nothing: add its tasks first",
                UserWarning,
                stacklevel=4,
            )
        return operators

    # --- context manager -----------------------------------------------------------------------

    def __enter__(self) -> TaskGroup:
        _stack.append(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _stack.pop()


def current_group(dag: DAG) -> TaskGroup:
    """The innermost open group of ``dag``, else its root group."""
    for group in reversed(_stack):
        if group.dag is dag:
            return group
    return dag.task_group


def closest_mapped_group(task: BaseOperator) -> TaskGroup | None:
    """The innermost mapped group ``task`` is in (its instances follow that group's), or
    ``None``."""
    group = task.task_group
    while group is not None and not group.is_mapped:
        group = group.parent_group
    return group


def group_for_new_task(task_group: TaskGroup | None, dag: DAG | None) -> TaskGroup | None:
    """The group a task being created joins: the one passed, else the open one of its DAG
    (or the innermost open group when no DAG is known: ``with TaskGroup("g", dag=dag):``)."""
    if task_group is not None:
        if not isinstance(task_group, TaskGroup):
            raise DagDefinitionError(
                f"task_group must be a TaskGroup, got {type(task_group).__name__} {task_group!r}"
            )
        return task_group
    if dag is not None:
        return current_group(dag)
    return _stack[-1] if _stack else None


def _owning_dag(group_id: object, dag: DAG | None, parent_group: TaskGroup | None) -> DAG:
    found = dag or (parent_group.dag if parent_group is not None else dag_context.current())
    if found is None:
        raise DagDefinitionError(
            f"task group {group_id!r} is not in a DAG: create it inside a `with DAG(...)` "
            f"block (or a @dag function), or pass dag=..."
        )
    return found


def _text(value: object, name: str, group_id: str) -> str:
    if not isinstance(value, str):
        raise DagDefinitionError(
            f"{name} of task group {group_id!r} must be a string, got "
            f"{type(value).__name__} {value!r}"
        )
    return value


def _validate_group_id(group_id: object, dag: DAG) -> str:
    where = f" (DAG {dag.dag_id!r}{dag.fileloc_suffix})"
    if not isinstance(group_id, str):
        raise DagDefinitionError(
            f"group_id must be a string, got {type(group_id).__name__} {group_id!r}{where}"
        )
    if len(group_id) > MAX_GROUP_ID_LENGTH:
        raise DagDefinitionError(
            f"group_id {group_id[:40]!r}... is {len(group_id)} characters long; the maximum "
            f"is {MAX_GROUP_ID_LENGTH}{where}"
        )
    if not _GROUP_ID_PATTERN.match(group_id):
        raise DagDefinitionError(
            f"group_id {group_id!r} is invalid: it may only contain letters, digits, "
            f"underscores and dashes (dots are added between nested groups){where}"
        )
    return group_id
