"""``/dags/<dag_id>/audit_log``: who triggered, paused, cleared or marked what in a DAG, and
when (the ``log`` table the operations layer writes with every change)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tradewind.exceptions import BadRequest
from tradewind.operations import dags as dag_ops
from tradewind.www import history_queries, queries
from tradewind.www.context import ui
from tradewind.www.rendering import render

PAGE_SIZE = 50


def _page(request: Request) -> int:
    text = request.query_params.get("page") or "1"
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"page must be a whole number, not {text!r}") from None


def dag_audit_log(request: Request) -> Response:
    dag_id = request.path_params["dag_id"]
    page = _page(request)
    with ui(request).database.read_session() as session:
        dag = dag_ops.require_dag(session, dag_id)
        info = queries.dag_info(session, dag_id)
        log = history_queries.audit_log(session, dag_id, page, PAGE_SIZE)
    return render(request, "dag_audit_log.html", dag=dag, info=info, tab="audit_log", log=log)
