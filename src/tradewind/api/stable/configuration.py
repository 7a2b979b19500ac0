"""``/api/v1/config``: the configuration, as JSON or as ``text/plain`` (ini), by ``Accept``.

Served only when ``[webserver] expose_config`` says so (403 otherwise, as in Airflow):
``True`` shows every value, ``non-sensitive-only`` hides credentials as ``< hidden >``.
"""

from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from tradewind.api.stable import admin_schemas as schemas
from tradewind.api.stable import schemas as v1
from tradewind.api.stable._common import config
from tradewind.api.stable.problems import Problem
from tradewind.operations import config_view
from tradewind.operations.config_view import Exposure, Section

router = APIRouter(tags=["Config"])
TEXT = "text/plain"
JSON = "application/json"
NOT_EXPOSED = (
    "Your Tradewind administrator chose not to expose the configuration, most likely for "
    "security reasons ([webserver] expose_config)."
)
BOTH_TYPES = {
    200: {
        "content": {
            JSON: {"schema": {"$ref": "#/components/schemas/Config"}},
            TEXT: {"schema": {"type": "string"}},
        }
    },
    **v1.errors(403, 404, 406),
}


def _accepted(accept: str) -> list[tuple[str, float]]:
    """(media range, quality) of each part of an ``Accept`` header."""
    ranges = []
    for part in accept.split(","):
        kind, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((kind.lower(), quality))
    return ranges


def media_type(accept: str | None) -> str | None:
    """The better of text/plain and application/json for ``accept`` (text/plain on a tie,
    as Airflow); ``None`` when it takes neither (a 406)."""
    if not accept or not accept.strip():
        return TEXT
    ranges = _accepted(accept)

    def quality(candidate: str) -> float:
        matching = (candidate, candidate.split("/")[0] + "/*", "*/*")
        return max((q for kind, q in ranges if kind in matching), default=0.0)

    best = max((TEXT, JSON), key=quality)  # max keeps the first of equals: text/plain
    return best if quality(best) > 0 else None


def render(sections: list[Section], kind: str) -> Response:
    if kind == JSON:
        document = {
            "sections": [
                {"name": s.name, "options": [{"key": k, "value": v} for k, v in s.options]}
                for s in sections
            ]
        }
        return Response(json.dumps(document, indent=4), media_type=JSON)
    text = "\n".join(
        f"[{s.name}]\n" + "".join(f"{key} = {value}\n" for key, value in s.options)
        for s in sections
    )
    return Response(text, media_type=TEXT)


def _exposure(request: Request) -> tuple[Exposure, str]:
    kind = media_type(request.headers.get("accept"))
    if kind is None:
        raise Problem(406, f"Answers are {TEXT} or {JSON}")
    exposure = config_view.exposure(config(request))
    if exposure is Exposure.NONE:
        raise Problem(403, NOT_EXPOSED)
    return exposure, kind


@router.get(
    "/config",
    operation_id="get_config",
    response_model=schemas.Config,
    responses=BOTH_TYPES,
    openapi_extra={
        "parameters": [
            {
                "name": "section",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Only this section",
            }
        ]
    },
    summary="The configuration ([webserver] expose_config)",
)
async def get_config(request: Request) -> Response:
    exposure, kind = _exposure(request)
    sections = config_view.sections(
        config(request),
        hide_sensitive=exposure is Exposure.NON_SENSITIVE,
        only=request.query_params.get("section"),
    )
    return render(sections, kind)


@router.get(
    "/config/section/{section}/option/{option}",
    operation_id="get_value",
    response_model=schemas.Config,
    responses=BOTH_TYPES,
    summary="One configuration value (credentials always hidden)",
)
async def get_value(request: Request, section: str, option: str) -> Response:
    _, kind = _exposure(request)
    return render([config_view.option(config(request), section, option)], kind)
