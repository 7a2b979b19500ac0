"""``/api/experimental/docs``: Swagger UI on the API's schema, served from this package.

FastAPI's built-in page loads Swagger UI from a CDN (unpinned, no integrity check) and runs
an inline script; this one serves the pinned ``swagger-ui-bundle-v2`` wheel's files and a
small initializer file, so the docs make no request to another host and satisfy the
webserver's Content-Security-Policy. Under the API prefix, the page and its files need the
same login as the API. There is no OAuth2 redirect page: the API has no OAuth2 login.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, Response
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from tradewind.api.middleware import API_PREFIX
from tradewind.exceptions import NotFound

DOCS_URL = f"{API_PREFIX}/docs"
PAGE = Path(__file__).resolve().parent / "docs_page"
SWAGGER_UI = Path(str(swagger_ui_path))

# The only files the page loads: name -> (folder, media type).
ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui.css": (SWAGGER_UI, "text/css"),
    "swagger-ui-bundle.js": (SWAGGER_UI, "text/javascript"),
    "favicon-32x32.png": (SWAGGER_UI, "image/png"),
    "swagger-init.js": (PAGE, "text/javascript"),
}

router = APIRouter(include_in_schema=False)


@router.get(DOCS_URL)
def docs_page() -> Response:
    return FileResponse(PAGE / "index.html", media_type="text/html")


@router.get(DOCS_URL + "/{name}")
def docs_asset(name: str) -> Response:
    if name not in ASSETS:
        raise NotFound(f"No such file in the API docs: {name}")
    folder, media_type = ASSETS[name]
    return FileResponse(
        folder / name, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
    )
