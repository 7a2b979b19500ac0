"""Airflow's experimental REST API under ``/api/experimental``, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from tradewind.api.experimental import dag_runs, dags, lineage, misc, pools, tasks


def router() -> APIRouter:
    api = APIRouter(prefix="/api/experimental")
    # Order matters: the task-instance and logs paths come before the catch-all
    # ``dag_runs/{ref:path}`` extension inside dag_runs.
    for module in (misc, dags, tasks, dag_runs, pools, lineage):
        api.include_router(module.router)
    return api
