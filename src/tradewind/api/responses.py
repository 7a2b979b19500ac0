"""JSON in and out: every answer is JSON, every body is read as JSON whatever its type."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from tradewind.exceptions import BadRequest

# Far above any real trigger or pool request (a run's conf may be 4 MiB), low enough
# that one client cannot make a worker buffer gigabytes.
MAX_BODY_BYTES = 8 * 1024 * 1024


class PayloadTooLarge(BadRequest):
    """413: the request body is over :data:`MAX_BODY_BYTES`."""


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}``; anything else is a 400."""
    raw = await _bounded_body(request)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Request body is not valid JSON") from None
    except RecursionError:  # e.g. 100,000 nested "[": the parser gives up, the server must not
        raise BadRequest("Request body is not valid JSON: it is nested too deeply") from None
    if not isinstance(data, dict):
        raise BadRequest("Request body must be a JSON object")
    if _SURROGATE_ESCAPE.search(raw):
        try:
            _refuse_lone_surrogates(data)
        except RecursionError:
            raise BadRequest("Request body is not valid JSON: it is nested too deeply") from None
    return data


async def _bounded_body(request: Request) -> bytes:
    """The body, counted as it arrives: a chunked body stops at the limit, not at its end."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Request body is over {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"Request body is over {MAX_BODY_BYTES} bytes")
    return bytes(body)


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (Python's parser takes them; PostgreSQL does not)."""
    raise ValueError(f"{name} is not JSON")


# A JSON escape of a UTF-16 surrogate. Valid only in pairs, which json.loads joins; a lone
# one makes a string no database (nor UTF-8) can hold.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(value: Any) -> None:
    """400 for a lone surrogate in any string (key or value) of the body."""
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key)
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest("Request body holds a lone UTF-16 surrogate in a string") from None


def actor(request: Request) -> str:
    """Name of the authenticated caller, set by the auth middleware."""
    identity = request.scope.get("state", {}).get("identity")
    return identity.name if identity is not None else "anonymous"
