"""``tradewind webserver`` bounds how big and how slow a request may be (raw sockets)."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.webserver_process import (
    raw_connection,
    read_response,
    status_of,
    webserver_process,
)
from tests.auth.webserver import Webserver, run_cli
from tradewind.api.responses import MAX_BODY_BYTES

MAX_HEADER = 8192
HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 3.0
KEEP_ALIVE = 1
CONNECTIONS = 40
SETTINGS = {
    "TRADEWIND__WEBSERVER__MAX_REQUEST_HEADER_SIZE": str(MAX_HEADER),
    "TRADEWIND__WEBSERVER__REQUEST_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
    "TRADEWIND__WEBSERVER__REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT),
    "TRADEWIND__WEBSERVER__KEEP_ALIVE_TIMEOUT": str(KEEP_ALIVE),
    "TRADEWIND__WEBSERVER__WORKER_CONNECTIONS": str(CONNECTIONS),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[Webserver]:
    with webserver_process(tmp_path_factory.mktemp("limits"), _sqlite_template, SETTINGS) as ws:
        yield ws


def send_until_answered(sock: socket.socket, first: bytes, piece: bytes, most: int) -> bytes:
    """Send ``first``, then ``piece`` again and again, until the server answers (or closes)
    or ``most`` bytes are out; then what the server answered."""
    data, sent = first, 0
    try:
        while sent < most and not select.select([sock], [], [], 0)[0]:
            sock.sendall(data)
            sent += len(data)
            data = piece
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server closed while we were still sending
    sock.settimeout(5)
    return read_response(sock)


def assert_still_serving(server: Webserver) -> None:
    assert httpx.get(f"{server.api}/test", timeout=5).json() == {"status": "OK"}


def test_a_huge_header_is_refused_with_431_long_before_it_ends(server: Webserver) -> None:
    with raw_connection(server) as sock:
        response = send_until_answered(
            sock,
            b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Huge: ",
            b"a" * 65536,
            most=64 * 1024 * 1024,
        )
    assert status_of(response) == 431
    assert b"connection: close" in response
    assert f"over {MAX_HEADER} bytes".encode() in response
    assert_still_serving(server)


def test_many_headers_that_add_up_past_the_limit_get_431(server: Webserver) -> None:
    headers = b"".join(b"X-Field-%d: %s\r\n" % (n, b"v" * 100) for n in range(100))
    with raw_connection(server) as sock:
        sock.sendall(b"GET /api/experimental/test HTTP/1.1\r\n" + headers + b"\r\n")
        assert status_of(read_response(sock)) == 431


def test_headers_and_a_body_under_the_limits_arrive_in_one_piece(server: Webserver) -> None:
    """A big body sent in the same write as the head does not count against the head."""
    body = json.dumps({"name": "bulk", "slots": 3, "description": "d" * 200_000}).encode()
    head = (
        b"POST /api/experimental/pools HTTP/1.1\r\nHost: localhost\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with raw_connection(server) as sock:
        sock.sendall(head + body)
        response = read_response(sock)
    assert status_of(response) == 200, response[:300]


def test_headers_not_finished_in_time_get_408_at_once(server: Webserver) -> None:
    with raw_connection(server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        response = read_response(sock)
        waited = time.monotonic() - started
    assert status_of(response) == 408
    assert b"Request headers not received in time" in response
    assert HEADER_TIMEOUT - 0.1 < waited < HEADER_TIMEOUT + 4


def test_many_unfinished_requests_are_all_closed(server: Webserver) -> None:
    """The review's 1,500 never-finished requests stayed open for ever; now each times out."""
    sockets = [raw_connection(server) for _ in range(CONNECTIONS // 2)]
    try:
        for sock in sockets:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        statuses = [status_of(read_response(sock)) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert statuses == [408] * len(sockets)
    assert_still_serving(server)


def test_a_connection_that_sends_nothing_is_closed(server: Webserver) -> None:
    with raw_connection(server) as sock:
        assert status_of(read_response(sock)) == 408


def test_a_body_sent_a_byte_at_a_time_gets_408(server: Webserver) -> None:
    with raw_connection(server) as sock:
        started = time.monotonic()
        sock.sendall(
            b"POST /api/experimental/pools HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        for _ in range(98):  # one byte every 0.25 s: the body would take 25 s
            if select.select([sock], [], [], 0.25)[0]:
                break
            sock.sendall(b" ")
        response = read_response(sock)
        waited = time.monotonic() - started
    assert status_of(response) == 408
    assert b"Request body not received in time" in response
    assert BODY_TIMEOUT - 0.1 < waited < BODY_TIMEOUT + 4


def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(server: Webserver) -> None:
    with raw_connection(server) as sock:
        sock.sendall(b"GET /api/experimental/test HTTP/1.1\r\nHost: localhost\r\n\r\n")
        first = b""
        while not first.endswith(b'{"status":"OK"}'):  # the head and body may come apart
            first += sock.recv(65536)
        assert status_of(first) == 200
        started = time.monotonic()
        sock.settimeout(KEEP_ALIVE + 3)
        assert sock.recv(65536) == b""  # closed by the server, not by our timeout
        assert time.monotonic() - started < KEEP_ALIVE + 2


def test_requests_beyond_the_worker_connections_get_503(server: Webserver) -> None:
    idle = [raw_connection(server) for _ in range(CONNECTIONS)]
    try:
        time.sleep(0.2)  # let the server accept them all
        response = httpx.get(f"{server.api}/test", timeout=5)
    finally:
        for sock in idle:
            sock.close()
    assert response.status_code == 503
    time.sleep(0.2)
    assert_still_serving(server)


def test_a_chunked_body_is_refused_with_413_as_soon_as_it_passes_the_limit(
    server: Webserver,
) -> None:
    """The review's 1 GiB chunked body was read whole before the 413."""
    piece = b"x" * 65536
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    with raw_connection(server) as sock:
        response = send_until_answered(
            sock,
            b"POST /api/experimental/pools HTTP/1.1\r\nHost: localhost\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunk,
            chunk,
            most=8 * MAX_BODY_BYTES,  # never ends the body: only an early answer stops it
        )
    assert status_of(response) == 413, response[:300]
    assert f"over {MAX_BODY_BYTES} bytes".encode() in response
    assert_still_serving(server)


@pytest.mark.parametrize("key", ["REQUEST_HEADER_TIMEOUT", "WORKER_CONNECTIONS"])
def test_a_limit_of_zero_stops_the_webserver_with_one_line(
    tw_env: dict[str, str], key: str
) -> None:
    env = {**tw_env, f"TRADEWIND__WEBSERVER__{key}": "0"}
    result = run_cli(env, "webserver", "--hostname", "127.0.0.1", "--port", "1")
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: [webserver] {key.lower()} must be above 0"
