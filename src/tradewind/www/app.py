"""The web UI as a FastAPI router the webserver's app includes next to the API.

``create_ui_router(config, database)`` is the one entry point: :mod:`tradewind.webserver`
includes it beside the experimental API, so both share one process, one database pool and
one operations layer, while each keeps its own authentication.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.operations.logins import ThrottledLogins
from tradewind.www.context import UiContext
from tradewind.www.login_policy import (
    cookie_is_secure,
    ui_requires_login,
    warn_if_open_behind_a_locked_api,
)
from tradewind.www.rendering import build_environment
from tradewind.www.routing import make_route_class
from tradewind.www.session import SessionSigner, load_secret_key
from tradewind.www.session_check import SessionCheck
from tradewind.www.views import (
    audit,
    auth,
    dag,
    dags,
    datasets,
    durations,
    pools,
    runs,
    secrets,
    static,
    task_instances,
)

DAG = "/dags/{dag_id}"
RUN = DAG + "/runs/{run_id}"
TASK_INSTANCE = RUN + "/tasks/{task_id}"

# (method, path, handler): the whole UI at a glance.
ROUTES: list[tuple[str, str, Callable[..., Any]]] = [
    ("GET", "/", dags.home),
    ("GET", "/static/{name}", static.static_file),
    ("GET", "/login", auth.login_form),
    ("POST", "/login", auth.login),
    ("POST", "/logout", auth.logout),
    ("GET", "/dags", dags.dag_list),
    ("POST", DAG + "/paused", dags.set_paused),
    ("GET", DAG, dag.dag_grid),
    ("GET", DAG + "/graph", dag.dag_graph),
    ("GET", DAG + "/code", dag.dag_code),
    ("GET", DAG + "/datasets", datasets.dag_datasets),
    ("GET", DAG + "/durations", durations.dag_durations),
    ("GET", DAG + "/audit_log", audit.dag_audit_log),
    ("GET", DAG + "/trigger", dag.trigger_form),
    ("POST", DAG + "/trigger", dag.trigger),
    ("GET", RUN, runs.run_page),
    ("POST", RUN + "/{action}", runs.run_action),
    ("GET", RUN + "/gantt", durations.run_gantt),
    ("GET", TASK_INSTANCE, task_instances.ti_page),
    ("GET", TASK_INSTANCE + "/log", task_instances.ti_log),
    ("POST", TASK_INSTANCE + "/{action}", task_instances.ti_action),
    ("GET", "/datasets", datasets.dataset_list),
    ("GET", "/pools", pools.pool_list),
    ("POST", "/pools", pools.save_pool),
    # ``:path``: a pool name may hold "/" (sent encoded as %2F, which arrives decoded).
    ("POST", "/pools/{name:path}/delete", pools.delete_pool),
    ("GET", "/variables", secrets.variable_list),
    ("POST", "/variables", secrets.save_variable),
    ("POST", "/variables/{key:path}/delete", secrets.delete_variable),
    ("GET", "/connections", secrets.connection_list),
    ("POST", "/connections", secrets.save_connection),
    ("POST", "/connections/{conn_id:path}/delete", secrets.delete_connection),
]


def create_ui_context(config: Config, database: Database) -> UiContext:
    warn_if_open_behind_a_locked_api(config)
    return UiContext(
        config=config,
        database=database,
        templates=build_environment(),
        signer=SessionSigner(
            load_secret_key(str(config.get("webserver", "secret_key")), config.home)
        ),
        authenticate=ui_requires_login(config),
        sessions=SessionCheck(database),
        logins=ThrottledLogins.from_config(config, database),
        secure_cookie=cookie_is_secure(config),
    )


def create_ui_router(config: Config, database: Database) -> APIRouter:
    """Every UI page; include it in a FastAPI app (``app.include_router(...)``)."""
    context = create_ui_context(config, database)
    router = APIRouter(route_class=make_route_class(context), include_in_schema=False)
    for method, path, handler in ROUTES:
        router.add_api_route(path, handler, methods=[method], include_in_schema=False)
    return router
