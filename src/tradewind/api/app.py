"""The experimental API as an ASGI app: its routes, ``/health``, JSON errors, authentication.

:func:`create_app` builds it; :func:`tradewind.webserver.create_app` adds the web UI's pages
to it and is what uvicorn runs. Nothing here knows about the UI.
"""

from __future__ import annotations

from fastapi import FastAPI

from tradewind import __version__
from tradewind.api import errors, health
from tradewind.api.auth.base import load_backend
from tradewind.api.experimental import PREFIX, routers
from tradewind.api.middleware import API_PREFIX, ApiAuthMiddleware
from tradewind.config import Config
from tradewind.db.engine import Database


def create_app(config: Config, database: Database | None = None) -> FastAPI:
    """The API app; an unknown ``[api] auth_backend`` raises ConfigError here, at start-up."""
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
    app.include_router(health.router)
    app.add_middleware(ApiAuthMiddleware, backend=backend)
    return app
