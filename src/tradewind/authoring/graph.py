"""Graph algorithms over ``{task_id: upstream_task_ids}`` mappings.

Shared by the live :class:`DAG` and the serialized DAG the scheduler uses, so both order
tasks and report cycles identically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def topological_order(upstream: Mapping[str, Iterable[str]]) -> list[str] | None:
    """Task ids with each after its upstream ids, or ``None`` if there is a cycle.

    Among tasks that are ready at the same time the mapping's order is kept.
    """
    remaining = {tid: set(ups) & upstream.keys() for tid, ups in upstream.items()}
    order: list[str] = []
    while remaining:
        ready = [tid for tid, ups in remaining.items() if not ups]
        if not ready:
            return None
        for tid in ready:
            del remaining[tid]
        done = set(ready)
        for ups in remaining.values():
            ups -= done
        order.extend(ready)
    return order


def find_cycle(upstream: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle as ``[a, b, ..., a]`` (each depends on the previous), or ``None``."""
    visiting: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = fully explored

    def visit(tid: str) -> list[str] | None:
        state[tid] = 1
        visiting.append(tid)
        for up in sorted(upstream.get(tid, ())):
            if up not in upstream:
                continue
            if state.get(up) == 1:
                cycle = [*visiting[visiting.index(up) :], up]
                return list(reversed(cycle))
            if up not in state:
                found = visit(up)
                if found:
                    return found
        visiting.pop()
        state[tid] = 2
        return None

    for tid in upstream:
        if tid not in state:
            found = visit(tid)
            if found:
                return found
    return None
