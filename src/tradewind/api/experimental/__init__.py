"""Airflow's experimental REST API under ``/api/experimental``, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from tradewind.api.experimental import (
    dag_runs,
    dags,
    datasets,
    lineage,
    misc,
    pools,
    secrets,
    tasks,
)

PREFIX = "/api/experimental"


def routers() -> list[APIRouter]:
    """The resource routers, to include with ``prefix=PREFIX`` (one level: nesting costs time
    on every request). Order matters: the task-instance and logs paths come before the
    catch-all ``dag_runs/{ref:path}`` extension inside dag_runs."""
    modules = (misc, dags, tasks, dag_runs, pools, secrets, lineage, datasets)
    return [module.router for module in modules]
