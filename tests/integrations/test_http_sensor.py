"""HttpSensor against a real HTTP server on loopback, run by ``dags test`` (SQLite and
PostgreSQL): a 404 means "not yet", another error fails the task, ``response_check`` decides."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tradewind.config import Config

SENSOR_DAG = """
from datetime import datetime
from airflow import DAG
from airflow.providers.http.sensors.http import HttpSensor

with DAG("http_wait", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    HttpSensor(task_id="until_ready", http_conn_id="web", endpoint="ready",
               poke_interval=0.2, timeout=30)
    HttpSensor(task_id="until_done", http_conn_id="web", endpoint="status",
               response_check=lambda response: response.json()["done"],
               poke_interval=0.2, timeout=30)
    HttpSensor(task_id="broken", http_conn_id="web", endpoint="boom", poke_interval=0.2,
               timeout=30, retries=0)
"""


class _Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self) -> None:
        path = self.path.lstrip("/")
        self.hits[path] = self.hits.get(path, 0) + 1
        if path == "boom":
            status, body = 500, b"{}"
        elif path == "ready":  # missing for the first two pokes
            status, body = (404, b"{}") if self.hits[path] <= 2 else (200, b"{}")
        else:  # answers, but says it is done only from the third poke
            status = 200
            body = b'{"done": true}' if self.hits[path] >= 3 else b'{"done": false}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def web() -> Iterator[tuple[str, dict[str, int]]]:
    _Handler.hits = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Handler.hits
    finally:
        server.shutdown()


def test_http_sensor_waits_for_the_endpoint(
    db_config: Config, db_env: dict[str, str], web: tuple[str, dict[str, int]]
) -> None:
    url, hits = web
    (db_config.dags_folder / "http_wait.py").write_text(SENSOR_DAG)
    env = {**db_env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True", "TRADEWIND_CONN_WEB": url}
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tradewind.cli import main; main()",
            "dags",
            "test",
            "http_wait",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = ran.stdout + ran.stderr
    assert ran.returncode == 1, out  # "broken" fails the run
    assert "\n  until_ready: success\n" in out and "\n  until_done: success\n" in out, out
    assert "\n  broken: failed\n" in out and "500:Internal Server Error" in out, out
    assert hits["ready"] == 3 and hits["status"] == 3 and hits["boom"] == 1
