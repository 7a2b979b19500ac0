"""Pools: slots, used, queued; create, edit and delete through the shared operations."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tradewind.exceptions import BadRequest, NotFound
from tradewind.operations import pools as pool_ops
from tradewind.www.context import actor, flash, ui
from tradewind.www.forms import posted
from tradewind.www.rendering import render


def pool_list(request: Request) -> Response:
    return _pools_page(request)


def _pools_page(request: Request, error: str = "", form: dict[str, str] | None = None) -> Response:
    pools = pool_ops.list_pools(ui(request).database)
    editing = request.query_params.get("edit", "")
    if form is None:
        form = {"name": "", "slots": "", "description": ""}
        for pool in pools:
            if pool["pool"] == editing:
                form = {
                    "name": pool["pool"],
                    "slots": str(pool["slots"]),
                    "description": pool["description"],
                }
    return render(
        request,
        "pools.html",
        400 if error else 200,
        pools=pools,
        form=form,
        editing=form["name"] if editing or error else "",
        error=error,
    )


def save_pool(request: Request) -> Response:
    form = posted(request)
    fields = {key: form.get(key, "") for key in ("name", "slots", "description")}
    try:
        pool = pool_ops.create_or_update_pool(
            ui(request).database,
            fields["name"].strip(),
            fields["slots"].strip(),
            fields["description"],
            actor=actor(request),
        )
    except BadRequest as exc:
        return _pools_page(request, str(exc), fields)
    flash(request, f"Pool {pool['pool']} saved: {pool['slots']} slots.", "success")
    return RedirectResponse("/pools", status_code=303)


def delete_pool(request: Request) -> Response:
    name = request.path_params["name"]
    try:
        pool_ops.delete_pool(ui(request).database, name, actor=actor(request))
    except (BadRequest, NotFound) as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, f"Pool {name} deleted.", "success")
    return RedirectResponse("/pools", status_code=303)
