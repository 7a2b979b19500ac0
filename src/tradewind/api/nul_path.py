"""A path holding a NUL character (``%00``) names nothing: 404, before any routing.

No DAG, task, run, pool or file name can hold a NUL, and PostgreSQL refuses one in text:
``/dags/a%00b/paused`` would reach the database and fail there as a 500 (SQLite would take
it, so the two would disagree). One check on the decoded path covers every path parameter
of the API and the UI. Request bodies get their own rule in
:func:`tradewind.api.responses.json_object`.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

NUL_MESSAGE = "No such path: it holds a NUL character (%00), which no name can contain"


class RejectNulInPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope["path"]:
            await _send_404(send, scope["path"].startswith("/api/v1"))
            return
        await self.app(scope, receive, send)


async def _send_404(send: Send, problem: bool) -> None:
    """``{"error": ...}``, or problem JSON under the stable API."""
    from tradewind.api.stable import problems

    if problem:
        body, media_type = problems.body(404, "Not Found", NUL_MESSAGE), problems.MEDIA_TYPE
    else:
        body, media_type = json.dumps({"error": NUL_MESSAGE}).encode(), "application/json"
    headers = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})
