"""Server-side layout of a DAG's graph as SVG geometry, by topological layers.

Each task sits in the column of its longest path from a root, so every edge points
right; within a column, tasks are ordered by where their upstream tasks sit (one
barycentre pass), which untangles the common fan-out/fan-in shapes without a JS library.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

NODE_WIDTH = 180
NODE_HEIGHT = 38
COLUMN_GAP = 64
ROW_GAP = 16
MARGIN = 12
MAX_LABEL_CHARS = 22
EDGE_LABEL_CHAR_WIDTH = 6  # px per character of an edge label at its 11px font, roughly


@dataclass(frozen=True)
class Node:
    task_id: str
    label: str
    operator: str
    state: str | None
    x: int
    y: int


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: str  # SVG path data
    label: str = ""  # what a ``Label`` in the DAG file says about this edge
    label_x: int = 0  # where the label sits: the middle of the edge
    label_y: int = 0


@dataclass(frozen=True)
class GraphLayout:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT
    #: ``"setup"`` or ``"teardown"`` by task id: drawn with an arrow up or down, and the
    #: edge from a setup to its teardown dashed (as Airflow's graph does).
    roles: Mapping[str, str] = field(default_factory=dict)

    def role(self, task_id: str) -> str:
        return self.roles.get(task_id, "")

    def pairs(self, source: str, target: str) -> bool:
        """The edge from a setup to its teardown."""
        return self.role(source) == "setup" and self.role(target) == "teardown"


def _label(task_id: str) -> str:
    if len(task_id) <= MAX_LABEL_CHARS:
        return task_id
    return task_id[: MAX_LABEL_CHARS - 1] + "\u2026"


def column_gap(edge_labels: Iterable[str]) -> int:
    """Room between columns: wide enough for the longest edge label to sit between nodes."""
    longest = max((len(label) for label in edge_labels), default=0)
    return max(COLUMN_GAP, longest * EDGE_LABEL_CHAR_WIDTH + 24)


def layers(order: list[str], upstream: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Column of each task: after all its upstream tasks, as late as its downstream allow."""
    depth: dict[str, int] = {}
    for task_id in order:  # topological order: upstream tasks come first
        parents = [depth[p] for p in upstream.get(task_id, ()) if p in depth]
        depth[task_id] = 1 + max(parents) if parents else 0
    # Then pull each task right, next to its nearest downstream task, so a short branch
    # joining late sits beside its join instead of drawing a long edge across the graph.
    downstream: dict[str, list[str]] = {task_id: [] for task_id in order}
    for task_id in order:
        for parent in upstream.get(task_id, ()):
            if parent in downstream:
                downstream[parent].append(task_id)
    for task_id in reversed(order):
        children = downstream[task_id]
        if children:
            depth[task_id] = max(depth[task_id], min(depth[c] for c in children) - 1)
    return depth


def layout(
    order: list[str],
    upstream: Mapping[str, Iterable[str]],
    operators: Mapping[str, str],
    states: Mapping[str, str | None],
    display_names: Mapping[str, str] | None = None,
    edge_labels: Mapping[tuple[str, str], str] | None = None,
) -> GraphLayout:
    """Nodes show ``display_names`` (else the task id); edges carry ``edge_labels``."""
    display_names = display_names or {}
    edge_labels = edge_labels or {}
    depth = layers(order, upstream)
    columns: dict[int, list[str]] = {}
    for task_id in order:
        columns.setdefault(depth[task_id], []).append(task_id)

    row_of: dict[str, float] = {}
    for column in sorted(columns):
        members = columns[column]
        if column > 0:
            position = {task_id: index for index, task_id in enumerate(members)}

            def barycentre(task_id: str, position: dict[str, int] = position) -> tuple[float, int]:
                parents = [row_of[p] for p in upstream.get(task_id, ()) if p in row_of]
                centre = sum(parents) / len(parents) if parents else float("inf")
                return centre, position[task_id]

            members.sort(key=barycentre)
        for index, task_id in enumerate(members):
            row_of[task_id] = index

    tallest = max((len(members) for members in columns.values()), default=0)
    height = MARGIN * 2 + tallest * NODE_HEIGHT + max(tallest - 1, 0) * ROW_GAP
    gap = column_gap(edge_labels.values())
    width = MARGIN * 2 + len(columns) * NODE_WIDTH + max(len(columns) - 1, 0) * gap

    nodes: dict[str, Node] = {}
    for column, members in columns.items():
        column_height = len(members) * NODE_HEIGHT + (len(members) - 1) * ROW_GAP
        top = MARGIN + (height - 2 * MARGIN - column_height) // 2  # centre each column
        for index, task_id in enumerate(members):
            nodes[task_id] = Node(
                task_id=task_id,
                label=_label(display_names.get(task_id) or task_id),
                operator=operators.get(task_id, ""),
                state=states.get(task_id),
                x=MARGIN + column * (NODE_WIDTH + gap),
                y=top + index * (NODE_HEIGHT + ROW_GAP),
            )

    edges: list[Edge] = []
    for task_id in order:
        target = nodes[task_id]
        for parent in sorted(upstream.get(task_id, ())):
            source = nodes.get(parent)
            if source is None:
                continue
            x1, y1 = source.x + NODE_WIDTH, source.y + NODE_HEIGHT // 2
            x2, y2 = target.x, target.y + NODE_HEIGHT // 2
            bend = (x2 - x1) / 2
            edges.append(
                Edge(
                    parent,
                    task_id,
                    f"M{x1},{y1} C{x1 + bend:.0f},{y1} {x2 - bend:.0f},{y2} {x2 - 6},{y2}",
                    label=edge_labels.get((parent, task_id), ""),
                    label_x=(x1 + x2) // 2,
                    label_y=(y1 + y2) // 2 - 4,
                )
            )
    return GraphLayout(nodes=[nodes[t] for t in order], edges=edges, width=width, height=height)
