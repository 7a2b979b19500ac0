"""One ``tradewind webserver`` process per test module, configured through its environment.

For the tests of what only the real server does (its HTTP protocol, its headers): the
in-thread server of ``tests/api/server.py`` runs the app under plain uvicorn settings.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.api.server import sqlite_copy
from tests.auth.webserver import Webserver, webserver
from tradewind.config import load_config
from tradewind.db.engine import Database


@contextmanager
def webserver_process(
    root: Path,
    sqlite_template: Path,
    settings: dict[str, str] | None = None,
    dag_file: str | None = None,
) -> Iterator[Webserver]:
    """A webserver on a copy of the migrated SQLite template; ``settings`` are
    ``TRADEWIND__...`` variables (small timeouts keep the tests fast); ``dag_file``, when
    given, is written to the DAG folder and synced to the database first."""
    home = root / "home"
    (home / "dags").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env |= {
        "TRADEWIND_HOME": str(home),
        "TRADEWIND__CORE__LOAD_EXAMPLES": "False",
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": sqlite_copy(root, sqlite_template),
        "TRADEWIND__CORE__PARSING_PROCESSES": "1",
        **(settings or {}),
    }
    if dag_file is not None:
        _sync_dag_file(env, home / "dags" / "dags.py", dag_file)
    with webserver(env) as server:
        yield server


def _sync_dag_file(env: dict[str, str], path: Path, source: str) -> None:
    from tradewind.dagfiles.sync import sync_dag_folder

    path.write_text(source)
    config = load_config(env)
    database = Database.from_config(config)
    try:
        sync_dag_folder(config, database)
    finally:
        database.dispose()


def raw_connection(server: Webserver, timeout: float = 10) -> socket.socket:
    """A plain TCP connection to ``server``, for requests no HTTP client would send."""
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    return sock


def read_response(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or a timeout)."""
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (ConnectionResetError, TimeoutError):
        pass
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    """The status code of a raw HTTP/1.1 response; 0 for no response at all."""
    if not response.startswith(b"HTTP/1.1 "):
        return 0
    return int(response.split(b" ", 2)[1])
