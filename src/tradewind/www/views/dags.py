"""The DAG list: every DAG, its pause toggle, schedule and recent runs; import errors on top."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tradewind.operations import dags as dag_ops
from tradewind.www import queries
from tradewind.www.context import actor, flash, ui
from tradewind.www.forms import posted
from tradewind.www.redirects import local_path
from tradewind.www.rendering import render

STATUSES = ("all", "active", "paused")


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def home(request: Request) -> Response:
    return RedirectResponse("/dags", status_code=307)


def dag_list(request: Request) -> Response:
    params = request.query_params
    search = (params.get("search") or "").strip()
    tag = (params.get("tag") or "").strip()
    status = params.get("status", "all")
    if status not in STATUSES:
        status = "all"
    context = ui(request)
    with context.database.read_session() as session:
        page = queries.dag_list_page(
            session,
            search=search,
            tag=tag,
            status=status,
            page=_page_number(params.get("page")),
            page_size=context.dags_per_page,
        )
    return render(request, "dags.html", page=page, search=search, tag=tag, status=status)


def set_paused(request: Request) -> Response:
    """Pause or unpause; answers JSON to the toggle's fetch, a redirect to a plain form."""
    dag_id = request.path_params["dag_id"]
    value = posted(request).get("is_paused", "")
    paused = dag_ops.parse_paused(value or "")
    context = ui(request)
    dag_ops.set_paused(
        context.database, dag_id, paused, actor=actor(request), config=context.config
    )
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"dag_id": dag_id, "is_paused": paused})
    flash(request, f"DAG {dag_id} {'paused' if paused else 'unpaused'}.", "success")
    return RedirectResponse(local_path(posted(request).get("next"), "/dags"), status_code=303)
