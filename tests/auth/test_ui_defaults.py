"""Secure defaults: the UI locks when the API does, and standalone stays on this machine."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.auth.ui_login import csrf_from
from tests.auth.webserver import TRADEWIND, free_port, sqlite_env, webserver

PASSWORD_AUTH = "tradewind.api.auth.backend.password_auth"


@pytest.fixture
def env(tmp_path: Path, _sqlite_template: Path) -> dict[str, str]:
    environ = sqlite_env(
        tmp_path,
        _sqlite_template,
        TRADEWIND__API__AUTH_BACKEND=PASSWORD_AUTH,
    )
    return environ


def stop_and_read_output(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=30)[0]


def test_ui_needs_a_login_when_the_api_does(env: dict[str, str]) -> None:
    with webserver(env) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        page = client.get("/pools", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        token = csrf_from(client.get("/login"))
        created = client.post("/pools", data={"csrf_token": token, "name": "sneaky", "slots": "3"})
        assert created.status_code == 403
        triggered = client.post("/dags/any/trigger", data={"csrf_token": token, "conf": "{}"})
        assert triggered.status_code == 403
        assert "sneaky" not in httpx.get(f"{server.api}/pools", timeout=30).text
        output = stop_and_read_output(server.process)
    assert "needs no login" not in output


def test_explicitly_open_ui_behind_a_locked_api_is_warned_about(env: dict[str, str]) -> None:
    open_ui = {**env, "TRADEWIND__WEBSERVER__AUTHENTICATE": "False"}
    with webserver(open_ui) as server:
        assert httpx.get(f"{server.url}/pools", timeout=30).status_code == 200
        output = stop_and_read_output(server.process)
    assert "The web UI needs no login ([webserver] authenticate = False" in output
    assert PASSWORD_AUTH in output


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as the kernel lists them) with a socket listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


@pytest.mark.slow
def test_standalone_listens_on_loopback_only(tw_env: dict[str, str]) -> None:
    port = free_port()
    process = subprocess.Popen(
        [*TRADEWIND, "standalone", "-p", str(port)],
        env=tw_env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not _listening_addresses(port):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "standalone never listened"
            time.sleep(0.2)
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only, not 0.0.0.0
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
