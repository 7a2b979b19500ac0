"""Reading HTML form posts without a multipart dependency.

Every UI form is ``application/x-www-form-urlencoded`` (no file uploads), which the
standard library parses; the result is cached on the request so the CSRF check and the
handler read the body once.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

MAX_FORM_BYTES = 5 * 1024 * 1024  # a run conf can be large, but not unbounded
_CACHE_KEY = "tradewind_form"


class FormTooLarge(Exception):
    pass


async def form_data(request: Request) -> dict[str, str]:
    """The posted fields (last value wins); empty for a body that is not a form."""
    cached = request.scope.get(_CACHE_KEY)
    if cached is not None:
        return cached
    fields: dict[str, str] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise FormTooLarge(f"form larger than {MAX_FORM_BYTES} bytes")
        fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    request.scope[_CACHE_KEY] = fields
    return fields


def posted(request: Request) -> dict[str, str]:
    """The form already read by the UI route's CSRF check (for sync handlers)."""
    return request.scope.get(_CACHE_KEY) or {}
