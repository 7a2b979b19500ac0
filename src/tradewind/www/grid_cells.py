"""The grid's cells as HTML, built in Python rather than in a Jinja loop.

A grid has a cell per row and run: 25 runs of a DAG with 10 groups of 10 tasks and a
mapped task make 2,800 cells, and a template loop pays attribute lookups, filter calls
and escaping in each of them (about 70 of the page's 80 ms on a quiet machine). Here each
run's and each row's escaped pieces are made once, and a cell is one f-string. The markup
is the template's: the same classes, links, tooltips and ``data-`` attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from tradewind.operations.dag_runs import dag_run_url
from tradewind.www.rendering import segment, state_class
from tradewind.www.task_groups import GridRow

Cells = Mapping[tuple[str, str], tuple[str | None, int]]


@dataclass(frozen=True)
class _Column:
    run_id: str
    attr: str  # the run id, escaped for an attribute
    tasks_href: str  # ".../runs/<run>/tasks/", escaped


def _columns(dag_id: str, run_ids: Sequence[str]) -> list[_Column]:
    return [
        _Column(run_id, escape(run_id), escape(f"{dag_run_url(dag_id, run_id)}/tasks/"))
        for run_id in run_ids
    ]


def row_cells(
    dag_id: str,
    rows: Sequence[GridRow],
    run_ids: Sequence[str],
    cells: Cells,
    mapped: Mapping[tuple[str, str], Mapping[str, int]],
    group_states: Mapping[tuple[str, str], str | None],
) -> dict[str, Markup]:
    """``row_id -> the row's <td>s``, one per run, oldest first."""
    columns = _columns(dag_id, run_ids)
    return {
        row.row_id: (
            _group_row(row, columns, group_states)
            if row.is_group
            else _task_row(row.row_id, columns, cells, mapped)
        )
        for row in rows
    }


def _task_row(
    task_id: str,
    columns: list[_Column],
    cells: Cells,
    mapped: Mapping[tuple[str, str], Mapping[str, int]],
) -> Markup:
    task_attr = escape(task_id)
    task_href = escape(segment(task_id))
    parts = []
    for column in columns:
        state, tries = cells.get((task_id, column.run_id)) or (None, 0)
        shown = escape(state or "none")
        head = (
            f'href="{column.tasks_href}{task_href}" data-task-id="{task_attr}" '
            f'data-run-id="{column.attr}" data-state="{shown}"'
        )
        counts = mapped.get((task_id, column.run_id))
        about = f"{task_attr} &middot; {column.attr}&#10;"
        if counts:
            total = sum(counts.values())
            per_state = ", ".join(f"{escape(s)} {n}" for s, n in sorted(counts.items()))
            parts.append(
                f'<td><a class="cell mapped {state_class(state)}" {head} '
                f'title="{about}{total} mapped instances: {per_state}" '
                f'data-mapped="{total}">{total}</a></td>'
            )
        else:
            retried = f" (try {tries})" if tries > 1 else ""
            parts.append(
                f'<td><a class="cell {state_class(state)}" {head} '
                f'title="{about}{escape(state or "no status")}{retried}"></a></td>'
            )
    return Markup("".join(parts))


def _group_row(
    row: GridRow, columns: list[_Column], group_states: Mapping[tuple[str, str], str | None]
) -> Markup:
    group_attr = escape(row.row_id)
    size = len(row.task_ids)
    members = f"({size} task{'s' if size != 1 else ''})"
    parts = []
    for column in columns:
        state = group_states.get((row.row_id, column.run_id))
        parts.append(
            f'<td><span class="cell group-cell {state_class(state)}" '
            f'title="group {group_attr} &middot; {column.attr}&#10;'
            f'{escape(state or "no status")} {members}" data-group-id="{group_attr}" '
            f'data-run-id="{column.attr}" data-state="{escape(state or "none")}"></span></td>'
        )
    return Markup("".join(parts))
