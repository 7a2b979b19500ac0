"""Read queries shaped for the UI's pages, each bounded whatever the history size.

These are views, not verbs: anything that changes state goes through
:mod:`tradewind.operations`. Every query here is one statement per page section (no
query per DAG or per run), limited by page size or run count and served by the
``dag_run (dag_id, execution_date)`` and ``task_instance (dag_id, run_id, task_id)`` indexes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, select, text
from sqlalchemy.orm import Session

from tradewind.dagfiles.task_groups import TaskGroupTree
from tradewind.db.models import (
    DagModel,
    DagRun,
    ImportErrorModel,
    SerializedDagModel,
    TaskInstance,
)
from tradewind.db.types import UtcDateTime

RECENT_RUNS_PER_DAG = 12
MAX_IMPORT_ERRORS = 50


@dataclass
class RunMark:
    run_id: str
    state: str
    execution_date: datetime


@dataclass
class DagRow:
    dag_id: str
    is_paused: bool
    schedule: str | None
    owners: str
    tags: list[str]
    description: str | None
    next_dagrun: datetime | None
    recent_runs: list[RunMark] = field(default_factory=list)  # newest first
    display_name: str | None = None  # the DAG's dag_display_name, if it has one
    warning_count: int = 0  # warnings its file raised when last parsed

    @property
    def last_run(self) -> RunMark | None:
        return self.recent_runs[0] if self.recent_runs else None


@dataclass
class DagListPage:
    dags: list[DagRow]
    total: int
    page: int
    pages: int
    all_tags: list[str]
    import_errors: list[ImportErrorModel]
    counts: dict[str, int]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def dag_list_page(
    session: Session,
    *,
    search: str = "",
    tag: str = "",
    status: str = "all",
    page: int = 1,
    page_size: int = 50,
) -> DagListPage:
    active = select(DagModel).where(DagModel.is_active.is_(True))
    filtered = active
    search = search.replace("\x00", "")  # no DAG id holds NUL, and PostgreSQL refuses it
    if search:
        pattern = f"%{_like_escape(search.lower())}%"
        # A DAG is found by its id or by its dag_display_name (kept in the serialized JSON).
        display = func.lower(SerializedDagModel.data["dag_display_name"].as_string())
        named = select(SerializedDagModel.dag_id).where(display.like(pattern, escape="\\"))
        filtered = filtered.where(
            or_(
                func.lower(DagModel.dag_id).like(pattern, escape="\\"),
                DagModel.dag_id.in_(named),
            )
        )
    if tag:
        # tags is a JSON list; its text holds each tag as a JSON string, quotes included.
        needle = _like_escape(json.dumps(tag))
        filtered = filtered.where(cast(DagModel.tags, String).like(f"%{needle}%", escape="\\"))

    counts = _status_counts(session, filtered)
    if status == "active":
        filtered = filtered.where(DagModel.is_paused.is_(False))
    elif status == "paused":
        filtered = filtered.where(DagModel.is_paused.is_(True))
    total = counts.get(status, counts["all"])
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    models = session.scalars(
        filtered.order_by(DagModel.dag_id).limit(page_size).offset((page - 1) * page_size)
    ).all()
    rows = [
        DagRow(
            dag_id=m.dag_id,
            is_paused=bool(m.is_paused),
            schedule=m.schedule,
            owners=m.owners or "",
            tags=list(m.tags or []),
            description=m.description,
            next_dagrun=m.next_dagrun,
        )
        for m in models
    ]
    marks = recent_runs(session, [row.dag_id for row in rows], RECENT_RUNS_PER_DAG)
    extras = serialized_extras(session, [row.dag_id for row in rows])
    for row in rows:
        row.recent_runs = marks.get(row.dag_id, [])
        row.display_name, row.warning_count = extras.get(row.dag_id, (None, 0))
    return DagListPage(
        dags=rows,
        total=total,
        page=page,
        pages=pages,
        all_tags=_all_tags(session),
        import_errors=list(
            session.scalars(
                select(ImportErrorModel)
                .order_by(ImportErrorModel.filename)
                .limit(MAX_IMPORT_ERRORS)
            )
        ),
        counts=counts,
    )


def serialized_extras(session: Session, dag_ids: list[str]) -> dict[str, tuple[str | None, int]]:
    """Each DAG's ``dag_display_name`` and number of parse warnings, in one statement that
    reads those two keys of the serialized JSON, not the whole document."""
    if not dag_ids:
        return {}
    data = SerializedDagModel.data
    rows = session.execute(
        select(
            SerializedDagModel.dag_id, data["dag_display_name"].as_string(), data["warnings"]
        ).where(SerializedDagModel.dag_id.in_(dag_ids))
    )
    return {dag_id: (name or None, len(warnings or [])) for dag_id, name, warnings in rows}


def _status_counts(session: Session, filtered: Any) -> dict[str, int]:
    sub = filtered.with_only_columns(DagModel.is_paused).subquery()
    counts = {"all": 0, "active": 0, "paused": 0}
    for paused, number in session.execute(
        select(sub.c.is_paused, func.count()).group_by(sub.c.is_paused)
    ):
        counts["paused" if paused else "active"] += number
        counts["all"] += number
    return counts


def _all_tags(session: Session) -> list[str]:
    """Every tag in use; DISTINCT on the JSON text first, as most DAGs share tag lists."""
    tags: set[str] = set()
    distinct = select(cast(DagModel.tags, String)).where(DagModel.is_active.is_(True)).distinct()
    for value in session.scalars(distinct):
        if value:
            tags.update(str(tag) for tag in json.loads(value) or [])
    return sorted(tags)


def recent_runs(session: Session, dag_ids: list[str], per_dag: int) -> dict[str, list[RunMark]]:
    """The newest ``per_dag`` runs of each DAG, newest first, in one statement.

    A UNION ALL of one index-ordered ``LIMIT`` per DAG: each part reads exactly its rows
    from the ``(dag_id, execution_date)`` index. (A ``row_number()`` window reads and sorts
    every run of the page's DAGs: 15x slower on SQLite with 100 runs per DAG.) The text is
    built by hand because compiling a 50-part SQLAlchemy union costs more than running it.
    """
    if not dag_ids:
        return {}
    part = (
        "SELECT * FROM (SELECT dag_id, run_id, state, execution_date FROM dag_run "
        "WHERE dag_id = :d{n} ORDER BY execution_date DESC LIMIT :per_dag) AS r{n}"
    )
    statement = text(" UNION ALL ".join(part.format(n=n) for n in range(len(dag_ids)))).columns(
        dag_id=String, run_id=String, state=String, execution_date=UtcDateTime
    )
    params: dict[str, Any] = {f"d{n}": dag_id for n, dag_id in enumerate(dag_ids)}
    params["per_dag"] = per_dag
    marks: dict[str, list[RunMark]] = defaultdict(list)
    for dag_id, run_id, state, when in session.execute(statement, params):
        marks[dag_id].append(RunMark(run_id, state, when))
    for runs in marks.values():
        runs.sort(key=lambda mark: mark.execution_date, reverse=True)
    return marks


# --- one DAG ---------------------------------------------------------------------------------


@dataclass
class GridTask:
    task_id: str
    operator: str
    upstream: list[str]
    downstream: list[str]
    display_name: str = ""  # task_display_name, else the task id
    role: str = ""  # "setup", "teardown" or nothing

    def __post_init__(self) -> None:
        self.display_name = self.display_name or self.task_id


@dataclass
class DagInfo:
    """What the DAG pages show beside the tasks: names, docs, labels and parse warnings."""

    dag_id: str
    display_name: str
    doc_md: str | None
    edge_labels: dict[tuple[str, str], str]
    warnings: list[str]


def dag_info(session: Session, dag_id: str) -> DagInfo:
    """The DAG-level parts of the serialized DAG the pages show, read without the tasks."""
    data = SerializedDagModel.data
    row = session.execute(
        select(
            data["dag_display_name"].as_string(),
            data["doc_md"].as_string(),
            data["edge_info"],
            data["warnings"],
        ).where(SerializedDagModel.dag_id == dag_id)
    ).first()
    name, doc_md, edge_info, warnings = row if row is not None else (None, None, None, None)
    labels = {
        (upstream, downstream): str(info["label"])
        for upstream, edges in (edge_info or {}).items()
        for downstream, info in edges.items()
        if info.get("label")
    }
    return DagInfo(dag_id, name or dag_id, doc_md, labels, list(warnings or []))


@dataclass
class Grid:
    runs: list[DagRun]  # oldest first, as columns read left to right
    tasks: list[GridTask]  # topological order
    cells: dict[tuple[str, str], tuple[str | None, int]]  # (task_id, run_id) -> state, try
    #: A mapped task's cell: how many of its instances are in each state.
    mapped: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)


def dag_tasks(session: Session, dag_id: str) -> list[GridTask]:
    """The DAG's tasks from its serialized JSON (already in topological order)."""
    data = session.scalar(
        select(SerializedDagModel.data).where(SerializedDagModel.dag_id == dag_id)
    )
    return [
        GridTask(
            task_id=item["task_id"],
            operator=item.get("operator_name", ""),
            upstream=list(item.get("upstream_task_ids", [])),
            downstream=list(item.get("downstream_task_ids", [])),
            display_name=item.get("task_display_name") or "",
            role=_role(item),
        )
        for item in (data or {}).get("tasks", [])
    ]


def _role(item: dict[str, Any]) -> str:
    if item.get("is_setup"):
        return "setup"
    return "teardown" if item.get("is_teardown") else ""


def dag_task_groups(session: Session, dag_id: str) -> TaskGroupTree:
    """The DAG's task group tree: only that key of its serialized JSON is read."""
    items = session.scalar(
        select(SerializedDagModel.data["task_groups"]).where(SerializedDagModel.dag_id == dag_id)
    )
    return TaskGroupTree.from_serialized(items)


def grid(session: Session, dag_id: str, tasks: list[GridTask], run_count: int) -> Grid:
    runs = list(
        session.scalars(
            select(DagRun)
            .where(DagRun.dag_id == dag_id)
            .order_by(DagRun.execution_date.desc())
            .limit(run_count)
        )
    )
    runs.reverse()
    found = run_cells(session, dag_id, [run.run_id for run in runs])
    return Grid(runs=runs, tasks=tasks, cells=found.cells, mapped=found.mapped)


@dataclass
class RunCells:
    """Each task's cell in each run, and how a mapped task's instances divide by state."""

    cells: dict[tuple[str, str], tuple[str | None, int]]  # (task_id, run_id) -> state, try
    mapped: dict[tuple[str, str], dict[str, int]]  # (task_id, run_id) -> {state: instances}


def run_cells(session: Session, dag_id: str, run_ids: list[str]) -> RunCells:
    """Every cell of ``run_ids`` in one statement that counts mapped instances in SQL.

    Grouping by state and by whether the row is mapped leaves one row per unmapped task
    instance and one per state of a mapped task, so a task mapped over 500 items costs a
    handful of rows, not 500. A mapped cell shows its instances' summary state.
    """
    from tradewind.www.task_groups import summary_state

    if not run_ids:
        return RunCells({}, {})
    is_mapped = TaskInstance.map_index >= 0
    rows = session.execute(
        select(
            TaskInstance.task_id,
            TaskInstance.run_id,
            TaskInstance.state,
            is_mapped,
            func.max(TaskInstance.try_number),
            func.count(),
        )
        .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id.in_(run_ids))
        .group_by(TaskInstance.task_id, TaskInstance.run_id, TaskInstance.state, is_mapped)
    )
    cells: dict[tuple[str, str], tuple[str | None, int]] = {}
    mapped: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for task_id, run_id, state, instance_of_map, tries, count in rows:
        if instance_of_map:
            mapped[task_id, run_id][state or "none"] = count
        else:
            cells[task_id, run_id] = (state, tries)
    for key, counts in mapped.items():
        cells[key] = (summary_state(counts), 0)
    return RunCells(cells, dict(mapped))


def task_states(
    session: Session, dag_id: str, run_ids: list[str]
) -> dict[tuple[str, str], tuple[str | None, int]]:
    """One cell per task and run; a mapped task's cell summarises its instances' states."""
    return run_cells(session, dag_id, run_ids).cells


def mapped_instances(
    session: Session, dag_id: str, run_id: str, task_id: str
) -> list[TaskInstance]:
    """A mapped task's instances in one run, in map-index order (empty: not expanded)."""
    return list(
        session.scalars(
            select(TaskInstance)
            .where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.task_id == task_id,
                TaskInstance.map_index >= 0,
            )
            .order_by(TaskInstance.map_index)
        )
    )


def task_instances_of_run(session: Session, dag_id: str, run_id: str) -> list[TaskInstance]:
    """The run's task instances, a mapped task by its first instance only (map index 0):
    a run page lists tasks, and the instance list is one click further."""
    return list(
        session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_id,
                TaskInstance.run_id == run_id,
                TaskInstance.map_index <= 0,
            )
        )
    )


def get_run(session: Session, dag_id: str, run_id: str) -> DagRun | None:
    return session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
