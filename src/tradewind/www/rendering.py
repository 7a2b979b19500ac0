"""Jinja2 templates and the small helpers every page uses (dates, URLs, states)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from tradewind.operations.dag_runs import dag_run_url
from tradewind.www.context import UI_CONTEXT_KEY
from tradewind.www.docs import render_markdown

TEMPLATES = Path(__file__).with_name("templates")

# Every state a run or task instance can show, in legend order.
STATES = (
    "success",
    "running",
    "failed",
    "queued",
    "scheduled",
    "up_for_retry",
    "up_for_reschedule",
    "deferred",
    "upstream_failed",
    "skipped",
    "removed",
    "none",
)


def fmt_dt(value: datetime | str | None) -> str:
    """``2026-11-23 19:09:02`` in UTC; empty for no date."""
    if value is None or value == "" or value == "None":
        return ""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = parsed
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(sep=" ", timespec="seconds")[:19]  # 5x faster than strftime


def fmt_duration(seconds: float | str | None) -> str:
    if seconds is None or seconds == "" or seconds == "None":
        return ""
    total = float(seconds)
    if total < 60:
        return f"{total:.1f}s"
    minutes, secs = divmod(int(total), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def state_class(state: str | None) -> str:
    """CSS class for a state; ``None`` (not yet scheduled) is ``state-none``."""
    return f"state-{state if state and state != 'None' else 'none'}"


@lru_cache(maxsize=8192)
def segment(text: str) -> str:
    """One URL path segment; cached, as a DAG list page quotes hundreds of run ids."""
    return quote(text, safe="")


def dag_url(dag_id: str, **params: Any) -> str:
    url = f"/dags/{segment(dag_id)}"
    return _with_query(url, params)


def ti_url(dag_id: str, run_id: str, task_id: str, **params: Any) -> str:
    url = f"{dag_run_url(dag_id, run_id)}/tasks/{segment(task_id)}"
    return _with_query(url, params)


def pool_delete_url(name: str) -> str:
    """Fully encoded: a name like ``x/../../pools/other`` must not walk to another pool."""
    return f"/pools/{segment(name)}/delete"


def secret_delete_url(kind: str, name: str) -> str:
    """``/variables/<key>/delete`` or ``/connections/<id>/delete``, the name fully encoded."""
    return f"/{kind}/{segment(name)}/delete"


def query(url: str, **params: Any) -> str:
    """``url`` with the non-empty ``params`` as its query string."""
    return _with_query(url, params)


def _with_query(url: str, params: dict[str, Any]) -> str:
    shown = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{url}?{urlencode(shown)}" if shown else url


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(dt=fmt_dt, duration=fmt_duration, state_class=state_class)
    env.globals.update(
        dag_url=dag_url, run_url=dag_run_url, ti_url=ti_url, STATES=STATES, query=query
    )
    env.globals.update(pool_delete_url=pool_delete_url, secret_delete_url=secret_delete_url)
    env.filters.update(markdown=render_markdown)
    return env


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; the layout gets the user, CSRF token and one-time flash messages."""
    ui = request.scope[UI_CONTEXT_KEY]
    session = request.scope.get("tradewind_session", {})
    flashes = session.pop("flashes", [])
    html = ui.templates.get_template(template).render(
        request_path=request.url.path,
        user=session.get("user"),
        authenticate=ui.authenticate,
        csrf_token=session.get("csrf", ""),
        flashes=flashes,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    """The error as a page, or as ``{"error": ...}`` for a caller that asked for JSON (the
    log poller and form scripts do), which could not show a page anyway."""
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": message}, status_code=status_code)
    return render(request, "error.html", status_code, title=title, message=message)
