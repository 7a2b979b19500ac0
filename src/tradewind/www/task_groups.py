"""Task groups in the UI: which are expanded, their summary state, and the grid's rows.

Which groups are open travels in the URL (``?expand=g&expand=g.inner``, ``?expand=*`` for
all), so the pages work without JavaScript, a refresh keeps the view, and a link shows
someone else the same thing. Groups start collapsed, as in Airflow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tradewind.authoring.graph import topological_order
from tradewind.dagfiles.task_groups import TaskGroupTree
from tradewind.www.queries import GridTask

#: Airflow's order for a group's state: the first of these any member task is in.
STATE_PRIORITY: tuple[str | None, ...] = (
    "failed",
    "upstream_failed",
    "up_for_retry",
    "up_for_reschedule",
    "queued",
    "scheduled",
    "deferred",
    "running",
    "restarting",
    None,
    "success",
    "skipped",
    "removed",
)
EXPAND_PARAM = "expand"
EXPAND_ALL = "*"
#: What a group's ui_color may be on a page: a CSS colour name, #hex or rgb()/hsl() form.
_CSS_COLOR = re.compile(r"^(#[0-9A-Fa-f]{3,8}|[A-Za-z]{3,30}|(rgba?|hsla?)\([0-9.,%\s]+\))$")


def css_color(value: str, fallback: str) -> str:
    """``value`` if it is plainly a colour, else ``fallback``: it goes into a style
    attribute, where anything else could restyle the page."""
    return value if _CSS_COLOR.fullmatch(value or "") else fallback


def summary_state(states: Iterable[str | None]) -> str | None:
    """The state a group shows for one run, from its tasks' states (``None``: no status).

    Failures first, then what is still to happen, then finished states: a group is
    ``success`` only when every task succeeded or was skipped, ``skipped`` when all were.
    """
    present = {None if state in (None, "", "none", "None") else state for state in states}
    return next((state for state in STATE_PRIORITY if state in present), None)


@dataclass(frozen=True)
class GroupView:
    """A DAG's group tree plus which groups the request opened, and links to toggle them."""

    tree: TaskGroupTree
    expanded: frozenset[str]
    path: str
    params: tuple[tuple[str, str], ...]  # the request's other query parameters

    @classmethod
    def from_request(
        cls, tree: TaskGroupTree, path: str, query: Sequence[tuple[str, str]]
    ) -> GroupView:
        wanted = [value for key, value in query if key == EXPAND_PARAM]
        if EXPAND_ALL in wanted:
            expanded = frozenset(tree.groups)
        else:
            expanded = frozenset(value for value in wanted if value in tree.groups)
        others = tuple((key, value) for key, value in query if key != EXPAND_PARAM)
        return cls(tree=tree, expanded=expanded, path=path, params=others)

    def is_visible(self, ancestors: Iterable[str]) -> bool:
        """Whether a row inside ``ancestors`` shows: every group around it is open."""
        return all(group_id in self.expanded for group_id in ancestors)

    def href(self, expanded: Iterable[str]) -> str:
        shown = [*self.params, *((EXPAND_PARAM, group_id) for group_id in sorted(expanded))]
        return f"{self.path}?{urlencode(shown)}" if shown else self.path

    def toggle_href(self, group_id: str) -> str:
        """This page with ``group_id`` flipped between open and closed."""
        return self.href(self.expanded ^ {group_id})

    @property
    def expand_all_href(self) -> str:
        return self.href([EXPAND_ALL])

    @property
    def collapse_all_href(self) -> str:
        return self.href([])

    def toggle_hrefs(self) -> dict[str, str]:
        return {group_id: self.toggle_href(group_id) for group_id in self.tree.groups}


@dataclass
class GridRow:
    """One row of the grid: a task, or a group whose cells summarise its tasks."""

    row_id: str  # the task id or the group id
    label: str
    is_group: bool
    ancestors: tuple[str, ...]  # the groups the row is inside, outermost first
    visible: bool
    title: str  # the operator of a task, the tooltip of a group
    expanded: bool = False
    toggle_href: str = ""
    ui_color: str = ""
    ui_fgcolor: str = ""
    task_ids: list[str] = field(default_factory=list)  # a group's tasks, nested ones too

    @property
    def depth(self) -> int:
        return len(self.ancestors)


@dataclass(frozen=True)
class Siblings:
    """The direct children of one group (tasks and groups alike), in dependency order, and
    the edges between them that their tasks' edges make."""

    order: list[str]
    upstream: dict[str, set[str]]


def siblings(
    group_id: str | None,
    order: list[str],
    upstream: Mapping[str, Iterable[str]],
    tree: TaskGroupTree,
) -> Siblings:
    """Children of ``group_id`` (``None``: the DAG's top level); ``order`` is topological.

    A child group counts as one item, so it comes after everything upstream of any of its
    tasks. Groups can depend on each other both ways (``g.a >> x >> g.b``); such a cycle
    is broken at the child whose first task comes first.
    """
    position = {task_id: index for index, task_id in enumerate(order)}

    def first(item: str) -> float:
        if item not in tree.groups:
            return position[item]
        members = [position[t] for t in tree.member_task_ids(item) if t in position]
        return min(members, default=float("inf"))

    direct = [task_id for task_id in order if tree.group_of(task_id) == group_id]
    items = sorted([*direct, *tree.child_groups(group_id)], key=first)
    between: dict[str, set[str]] = {item: set() for item in items}
    for task_id in order:
        target = tree.child_holding(task_id, group_id)
        if target is None:
            continue
        for parent in upstream.get(task_id, ()):
            source = tree.child_holding(parent, group_id) if parent in position else None
            if source is not None and source != target:
                between[target].add(source)
    return Siblings(_dependency_order(items, between), between)


def _dependency_order(items: list[str], upstream: Mapping[str, set[str]]) -> list[str]:
    found = topological_order({item: upstream[item] for item in items})
    if found is not None:
        return found
    done: set[str] = set()
    result: list[str] = []
    remaining = list(items)
    while remaining:
        ready = next((i for i in remaining if upstream[i] <= done), remaining[0])
        remaining.remove(ready)
        done.add(ready)
        result.append(ready)
    return result


def grid_rows(tasks: list[GridTask], view: GroupView) -> list[GridRow]:
    """Rows in tree order: a group's rows together beneath it, siblings (tasks and groups
    alike) in dependency order. ``tasks`` is in topological order."""
    order = [task.task_id for task in tasks]
    upstream = {task.task_id: task.upstream for task in tasks}
    by_id = {task.task_id: task for task in tasks}
    tree = view.tree
    rows: list[GridRow] = []

    def emit(group_id: str | None, ancestors: tuple[str, ...]) -> None:
        for child_id in siblings(group_id, order, upstream, tree).order:
            if child_id in tree.groups:
                group = tree.groups[child_id]
                rows.append(
                    GridRow(
                        row_id=child_id,
                        label=group.label,
                        is_group=True,
                        ancestors=ancestors,
                        visible=view.is_visible(ancestors),
                        title=group.tooltip,
                        expanded=child_id in view.expanded,
                        toggle_href=view.toggle_href(child_id),
                        ui_color=css_color(group.ui_color, "CornflowerBlue"),
                        ui_fgcolor=css_color(group.ui_fgcolor, "#000"),
                        task_ids=tree.member_task_ids(child_id),
                    )
                )
                emit(child_id, (*ancestors, child_id))
            else:
                rows.append(
                    GridRow(
                        row_id=child_id,
                        label=_task_row_label(by_id[child_id], group_id, tree),
                        is_group=False,
                        ancestors=ancestors,
                        visible=view.is_visible(ancestors),
                        title=by_id[child_id].operator,
                    )
                )

    emit(None, ())
    return rows


def group_cells(
    rows: list[GridRow],
    run_ids: Iterable[str],
    cells: Mapping[tuple[str, str], tuple[str | None, int]],
) -> dict[tuple[str, str], str | None]:
    """``(group_id, run_id) -> summary state`` for every group row and run."""
    runs = list(run_ids)
    return {
        (row.row_id, run_id): summary_state(
            (cells.get((task_id, run_id)) or (None, 0))[0] for task_id in row.task_ids
        )
        for row in rows
        if row.is_group
        for run_id in runs
    }


def _task_row_label(task: GridTask, group_id: str | None, tree: TaskGroupTree) -> str:
    """The task's display name where it has one, else its id without the group's prefix."""
    if task.display_name != task.task_id:
        return task.display_name
    return task_label(task.task_id, group_id, tree)


def task_label(task_id: str, group_id: str | None, tree: TaskGroupTree) -> str:
    """The task id without its group's prefix, as the author wrote it."""
    if group_id is None:
        return task_id
    prefix = f"{group_id}."
    group = tree.groups[group_id]
    return (
        task_id[len(prefix) :] if group.prefix_group_id and task_id.startswith(prefix) else task_id
    )
