"""Where the time went: a run's Gantt chart and a DAG's run durations, both drawn as SVG on
the server (like the graph), so they need no asset from anywhere and no JS library."""

from __future__ import annotations

from collections import defaultdict

from starlette.requests import Request
from starlette.responses import Response

from tradewind.authoring.timezone import utcnow
from tradewind.exceptions import BadRequest
from tradewind.operations import dags as dag_ops
from tradewind.www import duration_chart, gantt, history_queries, queries
from tradewind.www.context import ui
from tradewind.www.rendering import render
from tradewind.www.views.dag import run_not_found

DEFAULT_RUNS = 25
MAX_RUNS = 365
#: A mapped task with at most this many instances gets a row per instance; more share one.
MAX_INSTANCE_ROWS = 8


def run_gantt(request: Request) -> Response:
    dag_id = request.path_params["dag_id"]
    run_id = request.path_params["run_id"]
    with ui(request).database.read_session() as session:
        dag = dag_ops.require_dag(session, dag_id)
        run = queries.get_run(session, dag_id, run_id)
        if run is None:
            raise run_not_found(dag_id, run_id)
        info = queries.dag_info(session, dag_id)
        tasks = queries.dag_tasks(session, dag_id)
        pieces = history_queries.try_pieces(session, dag_id, run_id)
    names = {task.task_id: task.display_name for task in tasks}
    order = [task.task_id for task in tasks]
    layout = gantt.layout(gantt_rows(order, names, pieces), utcnow())
    return render(
        request,
        "run_gantt.html",
        dag=dag,
        info=info,
        run=run,
        layout=layout,
        tab="grid",
        tries=len({(p.task_id, p.map_index, p.try_number) for p in pieces}),
    )


def gantt_rows(
    order: list[str], names: dict[str, str], pieces: list[gantt.Piece]
) -> list[gantt.RowSpec]:
    """A row per task in DAG order (tasks no longer in the DAG last); a mapped task's
    instances get a row each while they are few, else they share the task's row."""
    by_task: dict[str, dict[int, list[gantt.Piece]]] = defaultdict(lambda: defaultdict(list))
    for piece in pieces:
        by_task[piece.task_id][piece.map_index].append(piece)
    rows: list[gantt.RowSpec] = []
    for task_id in order + sorted(set(by_task) - set(order)):
        instances = by_task.get(task_id, {})
        label = names.get(task_id, task_id)
        mapped = sorted(index for index in instances if index >= 0)
        if not mapped:
            rows.append(gantt.RowSpec(task_id, label, -1, instances.get(-1, [])))
        elif len(mapped) <= MAX_INSTANCE_ROWS:
            rows.extend(
                gantt.RowSpec(task_id, f"{label} [{index}]", index, instances[index])
                for index in mapped
            )
        else:
            every = [piece for index in mapped for piece in instances[index]]
            rows.append(gantt.RowSpec(task_id, f"{label} [{len(mapped)} instances]", None, every))
    return rows


def run_count(request: Request) -> int:
    """``?runs=N`` (default 25, at most 365); a value that is not a number is a 400."""
    text = request.query_params.get("runs") or str(DEFAULT_RUNS)
    try:
        wanted = int(text)
    except ValueError:
        raise BadRequest(f"runs must be a whole number of runs, not {text!r}") from None
    if wanted < 1:
        raise BadRequest(f"runs must be at least 1, not {wanted}")
    return min(wanted, MAX_RUNS)


def dag_durations(request: Request) -> Response:
    dag_id = request.path_params["dag_id"]
    count = run_count(request)
    with ui(request).database.read_session() as session:
        dag = dag_ops.require_dag(session, dag_id)
        info = queries.dag_info(session, dag_id)
        runs = history_queries.run_durations(session, dag_id, count)
    now = utcnow()
    return render(
        request,
        "dag_durations.html",
        dag=dag,
        info=info,
        tab="durations",
        chart=duration_chart.chart(runs, now),
        runs=list(reversed(runs)),
        now=now,
        run_count=count,
    )
