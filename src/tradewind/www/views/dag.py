"""One DAG: its grid of recent runs, its graph, its source and the trigger form."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradewind.authoring.params import ParamsDict
from tradewind.dagfiles.task_groups import TaskGroupTree
from tradewind.db.models import DagModel
from tradewind.exceptions import BadRequest, DagNotFound
from tradewind.operations import dag_runs as run_ops
from tradewind.operations import dags as dag_ops
from tradewind.www import graph, grid_cells, group_graph, param_form, queries
from tradewind.www import task_groups as groups
from tradewind.www.context import actor, flash, ui
from tradewind.www.forms import posted
from tradewind.www.rendering import render

MAX_GRID_RUNS = 365


def _dag_or_404(session: Any, dag_id: str) -> DagModel:
    return dag_ops.require_dag(session, dag_id)


def _run_count(request: Request) -> int:
    try:
        wanted = int(request.query_params.get("runs") or ui(request).grid_runs)
    except ValueError:
        wanted = ui(request).grid_runs
    return min(max(1, wanted), MAX_GRID_RUNS)


def dag_grid(request: Request) -> Response:
    dag_id = request.path_params["dag_id"]
    run_count = _run_count(request)
    with ui(request).database.read_session() as session:
        dag = _dag_or_404(session, dag_id)
        info = queries.dag_info(session, dag_id)
        tasks = queries.dag_tasks(session, dag_id)
        grid = queries.grid(session, dag_id, tasks, run_count)
        view = group_view(request, queries.dag_task_groups(session, dag_id))
    rows = groups.grid_rows(tasks, view)
    run_ids = [run.run_id for run in grid.runs]
    group_states = groups.group_cells(rows, run_ids, grid.cells)
    return render(
        request,
        "dag_grid.html",
        dag=dag,
        info=info,
        grid=grid,
        tab="grid",
        run_count=run_count,
        grid_rows=rows,
        row_cells=grid_cells.row_cells(
            dag_id, rows, run_ids, grid.cells, grid.mapped, group_states
        ),
        groups=view,
    )


def group_view(request: Request, tree: TaskGroupTree) -> groups.GroupView:
    """Which of ``tree``'s groups this request opened (``?expand=``)."""
    return groups.GroupView.from_request(tree, request.url.path, request.query_params.multi_items())


def run_graph(
    tasks: list[queries.GridTask],
    states: dict[str, str | None],
    view: groups.GroupView | None = None,
    edge_labels: dict[tuple[str, str], str] | None = None,
) -> graph.GraphLayout:
    """The graph of ``tasks`` in one run's ``states``; with groups when ``view`` has any.

    Edge labels and display names show on the plain graph; the grouped one shows ids.
    """
    roles = {task.task_id: task.role for task in tasks if task.role}
    if view is not None and view.tree:
        grouped = group_graph.layout(
            [task.task_id for task in tasks],
            {task.task_id: task.upstream for task in tasks},
            {task.task_id: task.operator for task in tasks},
            states,
            view,
        )
        return dataclasses.replace(grouped, roles=roles)
    plain = graph.layout(
        [task.task_id for task in tasks],
        {task.task_id: task.upstream for task in tasks},
        {task.task_id: task.operator for task in tasks},
        states,
        display_names={task.task_id: task.display_name for task in tasks},
        edge_labels=edge_labels,
    )
    return dataclasses.replace(plain, roles=roles)


def dag_graph(request: Request) -> Response:
    dag_id = request.path_params["dag_id"]
    wanted = request.query_params.get("run_id") or ""
    with ui(request).database.read_session() as session:
        dag = _dag_or_404(session, dag_id)
        info = queries.dag_info(session, dag_id)
        tasks = queries.dag_tasks(session, dag_id)
        view = group_view(request, queries.dag_task_groups(session, dag_id))
        recent = queries.recent_runs(session, [dag_id], 25).get(dag_id, [])
        run_id = wanted or (recent[0].run_id if recent else "")
        run = queries.get_run(session, dag_id, run_id) if run_id else None
        if wanted and run is None:
            raise run_not_found(dag_id, wanted)
        cells = queries.task_states(session, dag_id, [run.run_id]) if run else {}
    states = {task_id: state for (task_id, _), (state, _) in cells.items()}
    return render(
        request,
        "dag_graph.html",
        dag=dag,
        info=info,
        tab="graph",
        layout=run_graph(tasks, states, view, info.edge_labels),
        run=run,
        recent=recent,
        groups=view,
    )


def dag_code(request: Request) -> Response:
    dag_id = request.path_params["dag_id"]
    context = ui(request)
    with context.database.read_session() as session:
        dag = _dag_or_404(session, dag_id)
        info = queries.dag_info(session, dag_id)
    try:
        source = dag_ops.get_dag_code(context.database, dag_id)
    except DagNotFound as exc:
        source, missing = "", str(exc)
    else:
        missing = ""
    return render(
        request, "dag_code.html", dag=dag, info=info, tab="code", source=source, missing=missing
    )


def trigger_form(request: Request) -> Response:
    dag_id = request.path_params["dag_id"]
    with ui(request).database.read_session() as session:
        dag = _dag_or_404(session, dag_id)
        params = dag_ops.get_serialized_dag(session, dag_id).params
    query = request.query_params
    return _trigger_page(
        request,
        dag,
        params,
        conf="{}" if params else "",
        run_id=query.get("run_id", ""),
        prefill={name: query[name] for name in params if name in query},
    )


def trigger(request: Request) -> Response:
    """Build the conf from the params' fields and the JSON box, then trigger through operations.

    The JSON box wins over a field for the keys it holds. Checking the values against the
    params is the operations layer's, so the UI refuses exactly what the API refuses.
    """
    dag_id = request.path_params["dag_id"]
    form = posted(request)
    conf_text = form.get("conf", "").strip()
    run_id = form.get("run_id", "").strip() or None
    context = ui(request)
    with context.database.read_session() as session:
        dag = _dag_or_404(session, dag_id)
        params = dag_ops.get_serialized_dag(session, dag_id).params
    try:
        conf = {**param_form.conf_from_form(params, form), **(_parse_conf_text(conf_text) or {})}
        run = run_ops.trigger_dag(
            context.database,
            dag_id,
            run_id=run_id,
            conf=conf or (None if not conf_text else {}),
            actor=actor(request),
            config=context.config,
        )
    except BadRequest as exc:
        return _trigger_page(
            request, dag, params, conf=conf_text, run_id=run_id or "", error=str(exc), posted=form
        )
    flash(request, f"Triggered {dag_id}: run {run.run_id} is queued.", "success")
    return RedirectResponse(run_ops.dag_run_url(dag_id, run.run_id), status_code=303)


def _trigger_page(
    request: Request,
    dag: DagModel,
    params: ParamsDict,
    *,
    conf: str,
    run_id: str = "",
    error: str = "",
    posted: dict[str, str] | None = None,
    prefill: dict[str, str] | None = None,
) -> Response:
    """The form; after a refused post, with what was typed and why it was refused."""
    return render(
        request,
        "trigger.html",
        400 if error else 200,
        dag=dag,
        tab="trigger",
        conf=conf,
        run_id=run_id,
        error=error,
        fields=param_form.form_fields(params, posted, prefill),
        shown_fields=param_form.shown_names_json(params),
        bad_param=param_form.param_named_in(error, params) if error else None,
    )


def _parse_conf_text(text: str) -> dict[str, Any] | None:
    """Say exactly what is wrong with the JSON before operations' own check."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BadRequest(f"Conf is not valid JSON: {exc}") from None
    return run_ops.parse_conf(value)


def run_not_found(dag_id: str, run_id: str) -> Exception:
    from tradewind.exceptions import DagRunNotFound

    return DagRunNotFound(f"DAG {dag_id} has no run {run_id}")
