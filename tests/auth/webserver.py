"""``tradewind webserver`` as a user starts it, for the auth tests: a real process, real HTTP."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sqlite_env(root: Path, template: Path, **settings: str) -> dict[str, str]:
    """The environment of a Tradewind home under ``root`` on a copy of the migrated SQLite
    ``template``, without the caller's own ``TRADEWIND*`` settings; ``settings`` on top."""
    shutil.copy(template, root / "tradewind.db")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    environ.update(
        TRADEWIND_HOME=str(root / "home"),
        TRADEWIND__CORE__LOAD_EXAMPLES="False",
        TRADEWIND__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{root / 'tradewind.db'}",
        **settings,
    )
    return environ


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*TRADEWIND, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


@dataclass
class Webserver:
    url: str
    process: subprocess.Popen

    @property
    def api(self) -> str:
        return f"{self.url}/api/experimental"


@contextmanager
def webserver(env: dict[str, str], host: str = "127.0.0.1") -> Iterator[Webserver]:
    """Start ``tradewind webserver`` (one worker) and wait until it answers; stop it after."""
    port = free_port()
    process = subprocess.Popen(
        [*TRADEWIND, "webserver", "--hostname", host, "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"webserver exited: {process.communicate()[0]}")
            try:
                httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise AssertionError("webserver never answered") from None
                time.sleep(0.1)
        yield Webserver(url, process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process.stdout:
            process.stdout.close()
