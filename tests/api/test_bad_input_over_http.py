"""Issue 19: inputs that used to crash a request get a JSON 400 (or 404), not a 500.

A 500 also cost the client its keep-alive connection. So each bad request goes to a real
``tradewind webserver`` over one raw HTTP/1.1 connection, and a plain request follows on
the same connection: it must still be served.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.fuzz import fuzz_env
from tests.auth.webserver import Webserver, webserver
from tradewind.config import load_config
from tradewind.execution.logs import log_path


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    closes: bool  # the server said it will close the connection

    def json(self) -> Any:
        return json.loads(self.body)


class KeepAliveConnection:
    """One TCP connection, many requests: what a browser or an HTTP client pool does."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = f"{parts.hostname}:{parts.port}"
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)

    def send(
        self, method: str, target: str, body: bytes = b"", accept: str = "application/json"
    ) -> Answer:
        """``target`` goes on the request line as it is (no re-encoding, so %00 stays).

        JSON is asked for, as API clients and the UI's own scripts do.
        """
        head = (
            f"{method} {target} HTTP/1.1\r\nHost: {self.host}\r\nAccept: {accept}\r\n"
            f"Content-Length: {len(body)}\r\nContent-Type: application/json\r\n\r\n"
        )
        self.sock.sendall(head.encode("latin-1") + body)
        response = http.client.HTTPResponse(self.sock, method=method)
        response.begin()
        data = response.read()
        return Answer(
            response.status, response.getheader("content-type", ""), data, response.will_close
        )

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> dict[str, str]:
    """On SQLite and PostgreSQL (which refuses NUL in text: the 500s came from there)."""
    return fuzz_env(tmp_path_factory.mktemp("bad_input"), module_database_url)


@pytest.fixture(scope="module")
def server(env: dict[str, str]) -> Iterator[Webserver]:
    with webserver(env) as running:
        yield running


@pytest.fixture
def connection(server: Webserver) -> Iterator[KeepAliveConnection]:
    conn = KeepAliveConnection(server.url)
    yield conn
    conn.close()


def assert_json_error(answer: Answer, status: int) -> str:
    assert answer.status == status, answer
    assert answer.content_type == "application/json"
    assert not answer.closes, "the server gave up the keep-alive connection"
    message = answer.json()["error"]
    assert "Traceback" not in message
    return message


def assert_still_serves(connection: KeepAliveConnection) -> None:
    answer = connection.send("GET", "/api/experimental/test")
    assert (answer.status, answer.json()) == (200, {"status": "OK"})


def test_deeply_nested_body_is_a_400(connection: KeepAliveConnection) -> None:
    body = b"[" * 100_000
    answer = connection.send("POST", "/api/experimental/dags/demo/dag_runs", body)
    assert "nested too deeply" in assert_json_error(answer, 400)
    assert_still_serves(connection)


def test_deeply_nested_conf_string_is_a_400(connection: KeepAliveConnection) -> None:
    body = json.dumps({"conf": "[" * 100_000}).encode()
    answer = connection.send("POST", "/api/experimental/dags/demo/dag_runs", body)
    assert assert_json_error(answer, 400) == (
        "Dag Run conf must be a dictionary object, other types are not supported"
    )
    assert_still_serves(connection)


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-00:01"])
def test_date_outside_utc_years_is_a_400(connection: KeepAliveConnection, date: str) -> None:
    expected = (
        f"Given execution date, {date}, could not be identified as a date. "
        "Example date format: 2015-11-16T14:34:15+00:00"
    )
    runs = "/api/experimental/dags/demo/dag_runs"
    before = connection.send("GET", runs).json()
    body = json.dumps({"execution_date": date}).encode()
    assert assert_json_error(connection.send("POST", runs, body), 400) == expected
    encoded = date.replace("+", "%2B")
    assert assert_json_error(connection.send("GET", f"{runs}/{encoded}"), 400) == expected
    assert_still_serves(connection)
    assert connection.send("GET", runs).json() == before  # nothing was created


def test_log_offset_past_the_end_is_a_400(
    connection: KeepAliveConnection, env: dict[str, str]
) -> None:
    trigger = json.dumps({"run_id": "logged", "execution_date": "2024-03-01T00:00:00"})
    created = connection.send("POST", "/api/experimental/dags/demo/dag_runs", trigger.encode())
    assert created.status == 200, created
    log = log_path(load_config(env), "demo", "logged", "extract", 1)
    log.parent.mkdir(parents=True)
    log.write_text("hello\n")
    page = "/dags/demo/runs/logged/tasks/extract/log?try_number=1"
    assert connection.send("GET", f"{page}&offset=0").json()["text"] == "hello\n"
    for offset in (2**63 - 1, 2**64, 7):
        answer = connection.send("GET", f"{page}&offset={offset}")
        message = assert_json_error(answer, 400)
        assert message == f"offset {offset} is past the end of the log (6 bytes)"
    assert_still_serves(connection)


@pytest.mark.parametrize(
    "target",
    [
        "/static/app.js%00.css",
        "/static/%00",
        "/dags/demo%00/graph",  # a UI page
        "/api/experimental/dags/a%00b/paused",  # PostgreSQL refuses NUL in text
        "/api/experimental/pools/p%00",
    ],
)
def test_nul_in_a_path_is_a_404(connection: KeepAliveConnection, target: str) -> None:
    for accept in ("application/json", "text/html,*/*"):
        answer = connection.send("GET", target, accept=accept)
        assert "NUL character" in assert_json_error(answer, 404)
    assert connection.send("GET", "/static/app.js").status == 200
    assert_still_serves(connection)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"name": "a\x00b", "slots": 1}, "Pool name can't contain a NUL character"),
        ({"name": "ok", "slots": 1, "description": "\x00"}, "description can't contain a NUL"),
        ('{"name": "a\\ud800b", "slots": 1}', "lone UTF-16 surrogate"),
        ('{"name": "nan", "slots": 1, "x": NaN}', "not valid JSON"),
    ],
)
def test_text_no_database_can_store_is_a_400(
    connection: KeepAliveConnection, body: dict[str, Any] | str, problem: str
) -> None:
    raw = body if isinstance(body, str) else json.dumps(body)
    answer = connection.send("POST", "/api/experimental/pools", raw.encode())
    assert problem in assert_json_error(answer, 400)
    names = [pool["pool"] for pool in connection.send("GET", "/api/experimental/pools").json()]
    assert names == ["default_pool"]  # nothing was created
    assert_still_serves(connection)


@pytest.mark.parametrize("conf", ['{"k": NaN}', '"{\\"k\\": Infinity}"'])
def test_nan_in_a_conf_is_a_400(connection: KeepAliveConnection, conf: str) -> None:
    body = f'{{"conf": {conf}, "run_id": "nan_conf"}}'.encode()
    answer = connection.send("POST", "/api/experimental/dags/demo/dag_runs", body)
    assert_json_error(answer, 400)
    missing = connection.send("GET", "/api/experimental/dags/demo/dag_runs/nan_conf")
    assert missing.status == 400  # neither a date nor a run id: no run was created
