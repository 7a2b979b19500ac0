"""How big and how slow a request may be, enforced by the HTTP protocol as bytes arrive.

uvicorn bounds neither the size of a request's head nor the time a client may take to
send it: one 300 MiB header grows a worker by gigabytes, and a client that never finishes
its request holds a connection for ever. Both have to be stopped before the ASGI app
sees the request, so the limits live in a subclass of uvicorn's httptools protocol:

- the request line and headers may not exceed ``max_header_bytes`` (431, at once);
- they must arrive within ``header_timeout`` seconds of the request's first byte (or of
  the connection opening), and the body within ``body_timeout`` seconds of the headers
  (408, at once).

uvicorn builds one protocol per connection with its own keyword arguments, so the webserver
hands it :func:`protocol_factory`'s ``functools.partial``, which carries the limits and,
unlike a class built at run time, pickles into uvicorn's spawned worker processes.
"""

from __future__ import annotations

import asyncio
import functools
import json
from dataclasses import dataclass
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from tradewind.config import Config
from tradewind.exceptions import ConfigError

# Every [webserver] limit the webserver applies, here or through uvicorn's own settings.
WEBSERVER_LIMIT_KEYS = (
    "max_request_header_size",
    "request_header_timeout",
    "request_body_timeout",
    "keep_alive_timeout",
    "worker_connections",
)


@dataclass(frozen=True)
class RequestLimits:
    """The ``[webserver]`` limits on one request, read once from the config."""

    max_header_bytes: int
    header_timeout: float
    body_timeout: float

    @classmethod
    def from_config(cls, config: Config) -> RequestLimits:
        """The limits; a zero or negative one is a ConfigError naming its key."""
        for key in WEBSERVER_LIMIT_KEYS:
            if float(config.get("webserver", key)) <= 0:
                raise ConfigError(f"[webserver] {key} must be above 0")
        return cls(
            max_header_bytes=int(config.get("webserver", "max_request_header_size")),
            header_timeout=float(config.get("webserver", "request_header_timeout")),
            body_timeout=float(config.get("webserver", "request_body_timeout")),
        )


def protocol_factory(limits: RequestLimits) -> type[asyncio.Protocol]:
    """What to pass as uvicorn's ``http``: the limited protocol, bound to ``limits``.

    uvicorn only ever calls it with keyword arguments, as it would call a class.
    """
    return cast(type[asyncio.Protocol], functools.partial(LimitedHttpProtocol, limits=limits))


class LimitedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bound on the head's size and on slow senders."""

    def __init__(self, *args: Any, limits: RequestLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self._reading_head = True
        self._head_bytes = 0
        self._head_too_large = False
        self._deadline: asyncio.TimerHandle | None = None

    # Connection events -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._set_deadline(self.limits.header_timeout, "Request headers not received in time")

    def connection_lost(self, exc: Exception | None) -> None:
        self._clear_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        head_was_open = self._reading_head
        super().data_received(data)
        if self.transport.is_closing():
            return
        if head_was_open and self._reading_head:  # all of it went into an unfinished head
            self._head_bytes += len(data)
        if self._head_too_large or self._head_bytes > self.limits.max_header_bytes:
            self._refuse(
                431, f"Request line and headers are over {self.limits.max_header_bytes} bytes"
            )

    def handle_websocket_upgrade(self) -> None:
        self._clear_deadline()  # the connection is the WebSocket protocol's from here
        super().handle_websocket_upgrade()

    # Parser callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_bytes = 0
        if self._deadline is None:  # a new connection's first request keeps its deadline
            self._set_deadline(self.limits.header_timeout, "Request headers not received in time")

    def on_headers_complete(self) -> None:
        if self._head_size() > self.limits.max_header_bytes:
            self._head_too_large = True  # answered once the parser returns
            return
        self._reading_head = False
        self._set_deadline(self.limits.body_timeout, "Request body not received in time")
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._head_too_large:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._clear_deadline()
        if not self._head_too_large:
            super().on_message_complete()

    # Steps -----------------------------------------------------------------------------

    def _head_size(self) -> int:
        """The head as sent: the URL and each ``name: value`` line."""
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def _set_deadline(self, seconds: float, message: str) -> None:
        self._clear_deadline()
        self._deadline = self.loop.call_later(seconds, self._refuse, 408, message)

    def _clear_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` with a JSON error and close, unless a response already began."""
        self._clear_deadline()
        if self.transport.is_closing():
            return
        cycle = None if self._reading_head else self.cycle  # the request being answered
        if cycle is None or not cycle.response_started:
            if cycle is not None:
                # The app may still be waiting for the body: it now sees a disconnect,
                # and whatever it sends is dropped.
                cycle.disconnected = True
                cycle.message_event.set()
            self.transport.write(
                _error_response(status, message, self.server_state.default_headers)
            )
        self.transport.close()


def _error_response(status: int, message: str, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    body = json.dumps({"error": message}).encode()
    lines = [STATUS_LINE[status]]
    lines += [name + b": " + value + b"\r\n" for name, value in default_headers]
    lines += [
        b"content-type: application/json\r\n",
        b"content-length: " + str(len(body)).encode() + b"\r\n",
        b"connection: close\r\n",
        b"\r\n",
        body,
    ]
    return b"".join(lines)
