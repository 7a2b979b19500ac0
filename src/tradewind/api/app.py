"""The webserver's ASGI application: the experimental API, ``/health``, the run page.

``create_app(config)`` builds it; ``app_from_environment`` is the factory uvicorn's
worker processes call (each loads the config itself, so each has its own database pool).
The webserver only reads and writes the metadata database: it never imports DAG files.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI

from tradewind import __version__
from tradewind.api import errors, health, run_page
from tradewind.api.auth.base import load_backend
from tradewind.api.experimental import PREFIX, openapi, routers
from tradewind.api.middleware import API_PREFIX, ApiAuthMiddleware
from tradewind.api.nul_path import RejectNulInPath
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.www.app import create_ui_router

log = logging.getLogger(__name__)


def create_app(config: Config, database: Database | None = None) -> FastAPI:
    """The app; an unknown ``[api] auth_backend`` raises ConfigError here, at start-up."""
    database = database or Database.from_config(config)
    backend = load_backend(config, database)
    app = FastAPI(
        title="Tradewind experimental REST API",
        version=__version__,
        description=(
            "Airflow's experimental REST API as Tradewind serves it. Every response is "
            'JSON; errors are {"error": "<sentence>"}. Request bodies are read as JSON '
            "whatever their Content-Type."
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.config = config
    app.state.database = database
    errors.install(app)
    for router in routers():
        app.include_router(router, prefix=PREFIX)
    openapi.install(app, PREFIX, str(config.get("api", "auth_backend")))
    app.include_router(health.router)
    app.include_router(create_ui_router(config, database))  # web UI; its run page wins
    app.include_router(run_page.router)
    app.add_middleware(RejectNulInPath)  # inside the API's auth check: strangers get a 401
    app.add_middleware(ApiAuthMiddleware, backend=backend)
    return app


def _ui_router(config: Config, database: Database) -> APIRouter:
    """The web UI's pages; without a usable UI package, the small run page alone.

    The UI serves the page every ``dag_run_url`` points to; the fallback keeps that URL
    answering (and the API serving) if the UI cannot be loaded.
    """
    try:
        from tradewind.www.app import create_ui_router
    except ImportError:
        return run_page.router
    try:
        return create_ui_router(config, database)
    except Exception:
        log.exception("The web UI could not be set up; serving the API without it")
        return run_page.router


def app_from_environment() -> FastAPI:
    """uvicorn factory: config from ``TRADEWIND_HOME`` / ``TRADEWIND__*`` as the CLI sets."""
    from tradewind.config import load_config
    from tradewind.logging_setup import configure_logging

    config = load_config()
    configure_logging(config)
    return create_app(config)
