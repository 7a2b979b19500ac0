"""The APIs as an ASGI app: the experimental API's routes, the stable API mounted at
``/api/v1``, ``/health``, errors, authentication (one middleware for both APIs).

:func:`create_app` builds it; :func:`tradewind.webserver.create_app` adds the web UI's pages
to it and is what uvicorn runs. Nothing here knows about the UI.
"""

from __future__ import annotations

from fastapi import FastAPI

from tradewind import __version__
from tradewind.api import docs, errors, health, stable
from tradewind.api.auth.base import load_backend
from tradewind.api.base_url import BaseUrlRedirects, configured_base_url
from tradewind.api.cross_site import CrossSiteRefusal
from tradewind.api.experimental import PREFIX, openapi, routers
from tradewind.api.middleware import API_PREFIX, ApiAuthMiddleware
from tradewind.api.nul_path import RejectNulInPath
from tradewind.api.security_headers import SecurityHeaders
from tradewind.api.stable.mount import WholePathMount
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
        docs_url=None,  # served from the package by tradewind.api.docs, not from a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.config = config
    app.state.database = database
    errors.install(app)
    for router in routers():
        app.include_router(router, prefix=PREFIX)
    openapi.install(app, PREFIX, str(config.get("api", "auth_backend")))
    app.router.routes.append(WholePathMount(stable.PREFIX, stable.create_app(config, database)))
    app.include_router(health.router)
    app.include_router(docs.router)
    app.add_middleware(RejectNulInPath)  # inside the API's auth check: strangers get a 401
    app.add_middleware(ApiAuthMiddleware, backend=backend, prefixes=(API_PREFIX, stable.PREFIX))
    # Added last, so they run first: a refused or unauthenticated answer carries them too.
    app.add_middleware(CrossSiteRefusal, base_url=str(config.get("webserver", "base_url")))
    app.add_middleware(BaseUrlRedirects, base_url=configured_base_url(config))
    app.add_middleware(SecurityHeaders)
    return app
