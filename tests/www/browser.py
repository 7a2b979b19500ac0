"""Helpers for the browser tests: Debian's Chromium driven by Playwright, a live webserver.

Playwright's own browser download does not work offline, so the tests launch the system
Chromium (``apt-get install chromium``). Missing it fails the tests in CI and skips them
on a laptop, like every other service the suite needs.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.services import in_ci

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_browser() -> str:
    """The Chromium executable, or fail (CI) / skip (laptop) saying what to install."""
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the playwright package is missing (pip install -e '.[test]')"
    path = chromium_path()
    if path is None:
        problem = problem or "Chromium is missing (apt-get install -y chromium chromium-driver)"
    if problem is not None:
        if in_ci():
            pytest.fail(
                f"{problem}; CI must provide it (scripts/install-test-deps.sh)", pytrace=False
            )
        pytest.skip(problem)
    assert path is not None
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free loopback port; yield its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="ui-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test webserver did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def scheduler_process(env: dict[str, str], log_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``tradewind scheduler`` as a child process, stopped (and reaped) afterwards."""
    command = [sys.executable, "-c", "from tradewind.cli import main; main()", "scheduler"]
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@contextmanager
def chromium_page(executable: str, **context_options: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1360, "height": 860}, **context_options
            )
            page = context.new_page()
            page.set_default_timeout(20_000)
            yield page
        finally:
            browser.close()
