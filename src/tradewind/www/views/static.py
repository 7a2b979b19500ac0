"""The UI's CSS and JS, served by the webserver itself (no CDN, no network at run time)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from tradewind.exceptions import NotFound
from tradewind.www.routing import public

STATIC = Path(__file__).resolve().parent.parent / "static"
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


@public
def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    if "\x00" in name:  # no file has one; the OS would refuse the path with a ValueError
        raise NotFound(f"No static file {name!r}")
    path = (STATIC / name).resolve()
    if path.parent != STATIC or path.suffix not in MEDIA_TYPES or not path.is_file():
        raise NotFound(f"No static file {name}")
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600"},
    )
