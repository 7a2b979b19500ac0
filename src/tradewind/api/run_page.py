"""``/dags/<dag_id>/runs/<run_id>``: where a ``dag_run_url`` points.

A deliberately small HTML page (run state and its task instances) until the web UI
serves a richer one at the same path; ``Accept: application/json`` gets the run's JSON.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from tradewind.api.experimental._common import blocking, database
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance
from tradewind.exceptions import DagRunNotFound
from tradewind.operations.dag_runs import run_to_detail
from tradewind.operations.dags import require_dag

router = APIRouter()


def _load(db: Database, dag_id: str, run_id: str) -> tuple[dict, list[tuple[str, str]]]:
    with db.read_session() as session:
        require_dag(session, dag_id)
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        if run is None:
            raise DagRunNotFound(f"Dag run {run_id} of DAG {dag_id} not found")
        tis = session.execute(
            select(TaskInstance.task_id, TaskInstance.state)
            .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
            .order_by(TaskInstance.task_id)
        ).all()
        return run_to_detail(run), [(task_id, state or "none") for task_id, state in tis]


@router.get("/dags/{dag_id}/runs/{run_id}", include_in_schema=False)
async def run_page(request: Request, dag_id: str, run_id: str) -> Response:
    run, tis = await blocking(_load, database(request), dag_id, run_id)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({**run, "task_instances": dict(tis)})
    rows = "".join(f"<tr><td>{escape(t)}</td><td>{escape(s)}</td></tr>" for t, s in tis)
    fields = "".join(
        f"<tr><th>{escape(key)}</th><td>{escape(str(value))}</td></tr>"
        for key, value in run.items()
        if key != "dag_run_url"
    )
    return HTMLResponse(
        f"<!doctype html><title>{escape(dag_id)} / {escape(run_id)}</title>"
        f"<h1>{escape(dag_id)}: {escape(run_id)}</h1><table>{fields}</table>"
        f"<h2>Task instances</h2><table><tr><th>task</th><th>state</th></tr>{rows}</table>"
    )
