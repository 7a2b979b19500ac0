"""``/dags/<dag_id>/runs/<run_id>``: one run (the page every ``dag_run_url`` points to)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tradewind.db.models import DagRunState
from tradewind.exceptions import DagRunNotFound, NotFound
from tradewind.operations import dags as dag_ops
from tradewind.operations import datasets as dataset_ops
from tradewind.operations.dag_runs import dag_run_url, run_to_detail
from tradewind.operations.run_marking import mark_dag_run
from tradewind.www import queries
from tradewind.www.context import actor, flash, ui
from tradewind.www.rendering import render
from tradewind.www.views.dag import group_view, run_graph


def run_page(request: Request) -> Response:
    dag_id = request.path_params["dag_id"]
    run_id = request.path_params["run_id"]
    with ui(request).database.read_session() as session:
        dag = dag_ops.require_dag(session, dag_id)
        run = queries.get_run(session, dag_id, run_id)
        if run is None:
            raise DagRunNotFound(f"DAG {dag_id} has no run {run_id}")
        info = queries.dag_info(session, dag_id)
        tasks = queries.dag_tasks(session, dag_id)
        view = group_view(request, queries.dag_task_groups(session, dag_id))
        found = queries.run_cells(session, dag_id, [run_id])
        # A mapped task is one row (its instances summarised); its first instance stands in.
        tis = {ti.task_id: ti for ti in queries.task_instances_of_run(session, dag_id, run_id)}
    states = {task_id: state for (task_id, _), (state, _) in found.cells.items()}
    mapped = {task_id: counts for (task_id, _), counts in found.mapped.items()}
    if "application/json" in request.headers.get("accept", ""):
        # Scripts following an API answer's dag_run_url get the run as JSON.
        shown = {task_id: states[task_id] or "none" for task_id in sorted(states)}
        return JSONResponse({**run_to_detail(run), "task_instances": shown})
    order = [task.task_id for task in tasks] + sorted(set(states) - {t.task_id for t in tasks})
    layout = run_graph(tasks, states, view, info.edge_labels)
    return render(
        request,
        "run.html",
        dag=dag,
        info=info,
        run=run,
        detail=run_to_detail(run),
        rows=[(task_id, tis.get(task_id)) for task_id in order],
        mapped=mapped,
        summary=states,
        names={task.task_id: task.display_name for task in tasks},
        layout=layout,
        groups=view,
        tab="grid",
        triggering_events=(
            dataset_ops.triggering_events(ui(request).database, dag_id, run_id)
            if run.run_type == "dataset_triggered"
            else []
        ),
    )


RUN_ACTIONS = {"mark_success": DagRunState.SUCCESS, "mark_failed": DagRunState.FAILED}


def run_action(request: Request) -> Response:
    """Mark the run success or failed, with its task instances (teardowns left to run)."""
    dag_id = request.path_params["dag_id"]
    run_id = request.path_params["run_id"]
    state = RUN_ACTIONS.get(request.path_params["action"])
    if state is None:
        raise NotFound(f"No action {request.path_params['action']!r} on dag runs")
    context = ui(request)
    marked = mark_dag_run(
        context.database, dag_id, run_id, state, actor=actor(request), config=context.config
    )
    changed = ", ".join(f"{n} {s}" for s, n in sorted(marked.changed.items())) or "none changed"
    message = f"Marked run {run_id} {state} (task instances: {changed})."
    if marked.teardowns_left:
        message += (
            f" Teardown {', '.join(marked.teardowns_left)} still runs; the run ends after it."
        )
    flash(request, message, "success")
    return RedirectResponse(dag_run_url(dag_id, run_id), status_code=303)
