"""The graph of a DAG with task groups: an open group is a box around its members, a
closed group one node coloured by its summary state.

Layout is nested: each open group is laid out on its own (by the same topological columns
as :mod:`tradewind.www.graph`), then placed in its parent as one big item, so a group's
members always sit together inside its box. Edges are drawn between what is visible: an
edge into a closed group ends at the group's node, and parallel edges merge into one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tradewind.www.graph import (
    COLUMN_GAP,
    MARGIN,
    NODE_HEIGHT,
    NODE_WIDTH,
    ROW_GAP,
    Edge,
    GraphLayout,
    Node,
    layers,
)
from tradewind.www.task_groups import (
    GroupView,
    css_color,
    siblings,
    summary_state,
    task_label,
)

BOX_PADDING = 14
BOX_HEADER = 26


@dataclass(frozen=True)
class GroupShape:
    """An open group's box or a closed group's node, in SVG coordinates."""

    group_id: str
    label: str
    tooltip: str
    state: str | None
    expanded: bool
    task_count: int
    ui_color: str
    ui_fgcolor: str
    href: str  # the same page with this group toggled
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class GroupedGraphLayout(GraphLayout):
    """A :class:`GraphLayout` plus group boxes (``clusters``) and closed-group nodes."""

    clusters: list[GroupShape] = field(default_factory=list)
    group_nodes: list[GroupShape] = field(default_factory=list)


@dataclass
class _Block:
    """A laid-out container (the DAG or an open group): its size and items' offsets."""

    width: int
    height: int
    offsets: dict[str, tuple[int, int]]  # item id -> top-left inside the block
    inner: dict[str, _Block]  # open child group id -> its block


def layout(
    order: list[str],
    upstream: Mapping[str, Iterable[str]],
    operators: Mapping[str, str],
    states: Mapping[str, str | None],
    view: GroupView,
) -> GroupedGraphLayout:
    """Lay out the DAG's tasks (``order``: topological) with ``view``'s groups open."""
    builder = _Builder(order, upstream, view)
    root = builder.block(None)
    nodes: list[Node] = []
    clusters: list[GroupShape] = []
    group_nodes: list[GroupShape] = []
    boxes: dict[str, tuple[int, int, int, int]] = {}  # visible unit -> x, y, w, h

    def place(group_id: str | None, block: _Block, left: int, top: int) -> None:
        for item, (dx, dy) in block.offsets.items():
            x, y = left + dx, top + dy
            if item in block.inner:
                inner = block.inner[item]
                clusters.append(builder.shape(item, states, x, y, inner.width, inner.height))
                place(item, inner, x + BOX_PADDING, y + BOX_HEADER)
            elif item in view.tree.groups:
                group_nodes.append(builder.shape(item, states, x, y, NODE_WIDTH, NODE_HEIGHT))
                boxes[item] = (x, y, NODE_WIDTH, NODE_HEIGHT)
            else:
                nodes.append(
                    Node(
                        task_id=item,
                        label=_short(task_label(item, group_id, view.tree)),
                        operator=operators.get(item, ""),
                        state=states.get(item),
                        x=x,
                        y=y,
                    )
                )
                boxes[item] = (x, y, NODE_WIDTH, NODE_HEIGHT)

    place(None, root, MARGIN, MARGIN)
    return GroupedGraphLayout(
        nodes=sorted(nodes, key=lambda node: builder.position[node.task_id]),
        edges=builder.edges(boxes),
        width=root.width + 2 * MARGIN,
        height=root.height + 2 * MARGIN,
        clusters=clusters,
        group_nodes=group_nodes,
    )


class _Builder:
    def __init__(
        self, order: list[str], upstream: Mapping[str, Iterable[str]], view: GroupView
    ) -> None:
        self.order = order
        self.upstream = upstream
        self.view = view
        self.tree = view.tree
        self.position = {task_id: index for index, task_id in enumerate(order)}

    # --- what is visible ----------------------------------------------------------------------

    def unit_of(self, task_id: str) -> str:
        """What stands for ``task_id`` in the picture: it, or its outermost closed group."""
        for group_id in self.tree.task_ancestors(task_id):
            if group_id not in self.view.expanded:
                return group_id
        return task_id

    # --- nested layout ------------------------------------------------------------------------

    def block(self, container: str | None) -> _Block:
        children = siblings(container, self.order, self.upstream, self.tree)
        inner = {
            item: self.block(item)
            for item in children.order
            if item in self.tree.groups and item in self.view.expanded
        }
        sizes = {item: self._size(item, inner) for item in children.order}
        offsets, width, height = _columns(children.order, children.upstream, sizes)
        if container is not None:
            width += 2 * BOX_PADDING
            height += BOX_HEADER + BOX_PADDING
        return _Block(width=width, height=height, offsets=offsets, inner=inner)

    @staticmethod
    def _size(item: str, inner: Mapping[str, _Block]) -> tuple[int, int]:
        block = inner.get(item)
        return (block.width, block.height) if block else (NODE_WIDTH, NODE_HEIGHT)

    # --- output -------------------------------------------------------------------------------

    def shape(
        self, group_id: str, states: Mapping[str, str | None], x: int, y: int, w: int, h: int
    ) -> GroupShape:
        group = self.tree.groups[group_id]
        members = self.tree.member_task_ids(group_id)
        return GroupShape(
            group_id=group_id,
            label=group.label,
            tooltip=group.tooltip,
            state=summary_state(states.get(task_id) for task_id in members),
            expanded=group_id in self.view.expanded,
            task_count=len(members),
            ui_color=css_color(group.ui_color, "CornflowerBlue"),
            ui_fgcolor=css_color(group.ui_fgcolor, "#000"),
            href=self.view.toggle_href(group_id),
            x=x,
            y=y,
            width=w,
            height=h,
        )

    def edges(self, boxes: Mapping[str, tuple[int, int, int, int]]) -> list[Edge]:
        seen: set[tuple[str, str]] = set()
        edges: list[Edge] = []
        for task_id in self.order:
            target = self.unit_of(task_id)
            for parent in sorted(self.upstream.get(task_id, ())):
                source = self.unit_of(parent)
                if source == target or (source, target) in seen or parent not in self.position:
                    continue
                seen.add((source, target))
                edges.append(Edge(source, target, _path(boxes[source], boxes[target])))
        return edges


def _columns(
    items: list[str],
    upstream: Mapping[str, Iterable[str]],
    sizes: Mapping[str, tuple[int, int]],
) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Offsets of ``items`` (sized boxes) in topological columns, each column centred."""
    depth = layers(items, upstream)
    columns: dict[int, list[str]] = {}
    for item in items:
        columns.setdefault(depth[item], []).append(item)
    centre_of: dict[str, float] = {}
    heights: dict[int, int] = {}
    for column in sorted(columns):
        members = columns[column]
        rank = {item: index for index, item in enumerate(members)}

        def barycentre(item: str, rank: dict[str, int] = rank) -> tuple[float, int]:
            parents = [centre_of[p] for p in upstream.get(item, ()) if p in centre_of]
            return (sum(parents) / len(parents) if parents else float("inf")), rank[item]

        members.sort(key=barycentre)
        top = 0
        for item in members:
            centre_of[item] = top + sizes[item][1] / 2
            top += sizes[item][1] + ROW_GAP
        heights[column] = top - ROW_GAP if members else 0
    height = max(heights.values(), default=0)
    offsets: dict[str, tuple[int, int]] = {}
    left = 0
    for column in sorted(columns):
        members = columns[column]
        column_width = max(sizes[item][0] for item in members)
        top = (height - heights[column]) // 2
        for item in members:
            offsets[item] = (left, top)
            top += sizes[item][1] + ROW_GAP
        left += column_width + COLUMN_GAP
    width = max(left - COLUMN_GAP, 0)
    return offsets, width, height


def _path(source: tuple[int, int, int, int], target: tuple[int, int, int, int]) -> str:
    x1, y1 = source[0] + source[2], source[1] + source[3] // 2
    x2, y2 = target[0], target[1] + target[3] // 2
    bend = max(abs(x2 - x1) / 2, 40)
    return f"M{x1},{y1} C{x1 + bend:.0f},{y1} {x2 - bend:.0f},{y2} {x2 - 6},{y2}"


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"
