"""A DAG's task group tree in its serialized form, for the UI (which never imports DAG code).

Stored under the serialized DAG's ``"task_groups"`` key as a flat list, parents before
children: each group's full id, label, parent, tooltip, colours and the ids of the tasks
directly in it. A DAG without groups has no key, so its hash is what it was before groups
existed. Tasks in no listed group belong to the root group.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradewind.authoring.task_group import TaskGroup

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG

KEY = "task_groups"


def serialize_task_groups(dag: DAG) -> dict[str, Any]:
    """``{"task_groups": [...]}`` for a DAG with groups, else ``{}`` (merged into its JSON)."""
    groups = [_serialize_group(group) for group in dag.task_group.iter_groups()]
    return {KEY: groups} if groups else {}


def _serialize_group(group: TaskGroup) -> dict[str, Any]:
    parent = group.parent_group
    return {
        "group_id": group.group_id,
        "label": group.label,
        "parent_group_id": parent.group_id if parent is not None else None,
        "prefix_group_id": group.prefix_group_id,
        "tooltip": group.tooltip,
        "ui_color": group.ui_color,
        "ui_fgcolor": group.ui_fgcolor,
        "task_ids": [
            child.task_id for child in group.children.values() if not isinstance(child, TaskGroup)
        ],
    }


@dataclass(frozen=True)
class SerializedTaskGroup:
    group_id: str
    label: str
    parent_group_id: str | None
    prefix_group_id: bool
    tooltip: str
    ui_color: str
    ui_fgcolor: str
    task_ids: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SerializedTaskGroup:
        return cls(
            group_id=data["group_id"],
            label=data.get("label") or data["group_id"],
            parent_group_id=data.get("parent_group_id"),
            prefix_group_id=bool(data.get("prefix_group_id", True)),
            tooltip=data.get("tooltip") or "",
            ui_color=data.get("ui_color") or "",
            ui_fgcolor=data.get("ui_fgcolor") or "",
            task_ids=tuple(data.get("task_ids") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "label": self.label,
            "parent_group_id": self.parent_group_id,
            "prefix_group_id": self.prefix_group_id,
            "tooltip": self.tooltip,
            "ui_color": self.ui_color,
            "ui_fgcolor": self.ui_fgcolor,
            "task_ids": list(self.task_ids),
        }


@dataclass(frozen=True)
class TaskGroupTree:
    """The groups of one DAG, parents before children, with lookups the UI needs."""

    groups: dict[str, SerializedTaskGroup] = field(default_factory=dict)

    @classmethod
    def from_serialized(cls, items: Iterable[dict[str, Any]] | None) -> TaskGroupTree:
        groups = [SerializedTaskGroup.from_dict(item) for item in items or ()]
        return cls({group.group_id: group for group in groups})

    def to_serialized(self) -> dict[str, Any]:
        """The entry to merge into a serialized DAG (nothing when there are no groups)."""
        return {KEY: [group.to_dict() for group in self.groups.values()]} if self.groups else {}

    def __bool__(self) -> bool:
        return bool(self.groups)

    def __iter__(self) -> Iterator[SerializedTaskGroup]:
        return iter(self.groups.values())

    def group_of(self, task_id: str) -> str | None:
        """The id of the group ``task_id`` is directly in; ``None`` for the root group."""
        return self._group_of_task.get(task_id)

    def ancestors(self, group_id: str | None) -> list[str]:
        """``group_id`` and the groups around it, outermost first."""
        chain: list[str] = []
        while group_id is not None:
            chain.append(group_id)
            group_id = self.groups[group_id].parent_group_id
        return list(reversed(chain))

    def task_ancestors(self, task_id: str) -> list[str]:
        """The groups ``task_id`` is in, outermost first (empty for an ungrouped task)."""
        return self.ancestors(self.group_of(task_id))

    def child_groups(self, group_id: str | None) -> list[str]:
        """The groups directly inside ``group_id`` (``None``: the root group)."""
        return [g.group_id for g in self.groups.values() if g.parent_group_id == group_id]

    def member_task_ids(self, group_id: str) -> list[str]:
        """Every task in ``group_id`` and the groups inside it."""
        found = list(self.groups[group_id].task_ids)
        for child in self.child_groups(group_id):
            found.extend(self.member_task_ids(child))
        return found

    def child_holding(self, task_id: str, group_id: str | None) -> str | None:
        """The direct child of ``group_id`` (a task or a group) that holds ``task_id``;
        ``None`` when ``task_id`` is not inside ``group_id``."""
        chain: list[str | None] = [None, *self.task_ancestors(task_id)]
        if group_id not in chain:
            return None
        index = chain.index(group_id)
        return chain[index + 1] if index + 1 < len(chain) else task_id

    @functools.cached_property
    def _group_of_task(self) -> dict[str, str]:
        return {task_id: g.group_id for g in self.groups.values() for task_id in g.task_ids}
