"""The webserver's ASGI application: the experimental API and the web UI in one app.

This is the one module that knows both: ``api/`` and ``www/`` never import each other, so
either can change without the other. They share one process, one database pool and one
operations layer, while each keeps its own authentication. ``create_app(config)`` builds
the app; :func:`app_from_environment` is the factory uvicorn's worker processes call.
The webserver only reads and writes the metadata database: it never imports DAG files.
"""

from __future__ import annotations

from fastapi import FastAPI

from tradewind.api import app as api_app
from tradewind.api import metrics_endpoint
from tradewind.api.auth.base import load_backend
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.www.app import create_ui_router


def create_app(config: Config, database: Database | None = None) -> FastAPI:
    """The API with the UI's pages beside it; an unknown ``[api] auth_backend`` raises
    ConfigError here, at start-up."""
    database = database or Database.from_config(config)
    app = api_app.create_app(config, database)
    metrics_endpoint.install(app, config, database, load_backend(config, database))
    app.include_router(create_ui_router(config, database))
    return app


def app_from_environment() -> FastAPI:
    """uvicorn factory: config from ``TRADEWIND_HOME`` / ``TRADEWIND__*`` as the CLI sets,
    loaded by each worker process so each has its own database pool."""
    from tradewind.config import load_config
    from tradewind.logging_setup import configure_logging
    from tradewind.observability import metrics

    config = load_config()
    configure_logging(config)
    metrics.configure(config)
    return create_app(config)
