"""HttpHook and HttpOperator against a real HTTP server the test starts on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tradewind.authoring.connection import Connection
from tradewind.authoring.runtime_secrets import install_secrets_access
from tradewind.exceptions import AirflowException
from tradewind.integrations.http.hook import HttpHook
from tradewind.integrations.http.operators import HttpOperator, SimpleHttpOperator


class _Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        status = 404 if self.path.startswith("/missing") else 200
        payload = {
            "method": self.command,
            "path": self.path,
            "body": body,
            "auth": self.headers.get("Authorization"),
            "x_team": self.headers.get("X-Team"),
        }
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: Any) -> None:
        pass


class _Connections:
    def __init__(self, connections: dict[str, Connection]) -> None:
        self.connections = connections

    def get_variable(self, key: str) -> str | None:
        return None

    def set_variable(self, key: str, value: str, description: str | None) -> None:
        raise AssertionError("not used")

    def delete_variable(self, key: str) -> int:
        return 0

    def get_connection(self, conn_id: str) -> Connection | None:
        return self.connections.get(conn_id)


@pytest.fixture
def server_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    install_secrets_access(
        _Connections(
            {
                "http_default": Connection.from_json(
                    {
                        "conn_type": "http",
                        "host": "127.0.0.1",
                        "port": port,
                        "login": "ann",
                        "password": "pw",
                        "extra": {"X-Team": "data"},
                    }
                )
            }
        )
    )
    yield port
    install_secrets_access(None)
    server.shutdown()


def test_hook_sends_to_the_connections_host_with_auth_and_headers(server_port: int) -> None:
    response = HttpHook(method="GET").run("api/items", data={"page": "2"})
    seen = response.json()
    assert seen["method"] == "GET" and seen["path"] == "/api/items?page=2"
    assert seen["auth"].startswith("Basic ") and seen["x_team"] == "data"
    posted = HttpHook().run("/submit", data='{"a": 1}', headers={"X-Team": "ops"}).json()
    assert posted["method"] == "POST" and posted["body"] == '{"a": 1}' and posted["x_team"] == "ops"
    with pytest.raises(AirflowException, match=r"^404:Not Found$"):
        HttpHook(method="GET").run("missing")
    unchecked = HttpHook(method="GET").run("missing", extra_options={"check_response": False})
    assert unchecked.status_code == 404


def test_operator_checks_filters_and_returns_the_body(server_port: int) -> None:
    op = HttpOperator(
        task_id="call",
        endpoint="things",
        method="PUT",
        data="x=1",
        response_check=lambda response: response.json()["method"] == "PUT",
        response_filter=lambda response, ds: f"{response.json()['path']} on {ds}",
    )
    assert op.execute({"ds": "2024-01-01"}) == "/things on 2024-01-01"
    body = SimpleHttpOperator(task_id="plain", endpoint="p", method="GET").execute({})
    assert json.loads(body)["path"] == "/p"
    failing = HttpOperator(
        task_id="bad", endpoint="x", method="GET", response_check=lambda response: False
    )
    with pytest.raises(AirflowException, match=r"^Response check returned False\.$"):
        failing.execute({})
