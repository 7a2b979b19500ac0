"""The graph layout puts every task after its upstream tasks, and reads log pieces."""

from __future__ import annotations

from itertools import pairwise

from tradewind.www.graph import layers, layout


def test_layers_follow_dependencies_and_pull_late_branches_right() -> None:
    upstream = {"a": [], "b": ["a"], "c": ["b"], "side": [], "end": ["c", "side"]}
    depth = layers(["a", "side", "b", "c", "end"], upstream)
    assert depth == {"a": 0, "b": 1, "c": 2, "side": 2, "end": 3}


def test_layout_edges_point_right_and_nodes_do_not_overlap() -> None:
    order = ["r0", "r1", "r2", "join", "last"]
    upstream = {"join": ["r0", "r1", "r2"], "last": ["join"]}
    result = layout(order, upstream, {}, {"join": "success"})
    boxes = {node.task_id: node for node in result.nodes}
    assert len(result.edges) == 4
    for edge in result.edges:
        assert boxes[edge.source].x < boxes[edge.target].x
    column = sorted(boxes[t].y for t in ("r0", "r1", "r2"))
    assert all(b - a >= result.node_height for a, b in pairwise(column))
    assert boxes["join"].state == "success" and boxes["last"].state is None
    assert result.width > 3 * result.node_width
