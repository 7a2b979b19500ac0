"""Datasets: every dataset with its producers, consumers and recent events; a DAG's own."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tradewind.operations import datasets as dataset_ops
from tradewind.www import queries
from tradewind.www.context import ui
from tradewind.www.rendering import render
from tradewind.www.views.dag import _dag_or_404


def dataset_list(request: Request) -> Response:
    return render(
        request, "datasets.html", datasets=dataset_ops.list_datasets(ui(request).database)
    )


def dag_datasets(request: Request) -> Response:
    dag_id = request.path_params["dag_id"]
    context = ui(request)
    with context.database.read_session() as session:
        dag = _dag_or_404(session, dag_id)
        info = queries.dag_info(session, dag_id)
    return render(
        request,
        "dag_datasets.html",
        dag=dag,
        info=info,
        tab="datasets",
        datasets=dataset_ops.list_datasets(context.database, dag_id=dag_id),
    )
