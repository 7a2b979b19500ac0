"""``tradewind standalone`` and ``tradewind webserver`` stopped by SIGTERM while tries run."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.server import free_port
from tests.faults_process.stoppable import STOPPABLE, running_tis, try_pids, wait_gone
from tests.processes import descendants
from tests.scheduling.harness import FAST_SETTINGS, Harness

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]
GRACE = 6.0
EXIT_MARGIN = 2.0


def _serve(harness: Harness, command: list[str], port: int) -> subprocess.Popen[bytes]:
    log = open(harness.tmp / f"{command[0]}.log", "ab")  # noqa: SIM115
    env = {
        **harness.env,
        **FAST_SETTINGS,
        "TRADEWIND__CORE__SHUTDOWN_GRACE": str(GRACE),
        "TRADEWIND__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
    }
    process = subprocess.Popen(
        [*TRADEWIND, *command, "-p", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, (harness.tmp / f"{command[0]}.log").read_text()
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/experimental/test", timeout=2)
            return process
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the webserver never answered"
            time.sleep(0.1)


def _sigterm(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(GRACE + 15)
    return code, time.monotonic() - began


def _name(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


def _child_named(pid: int, name: str) -> int:
    """The one child of ``pid`` (not a grandchild) called ``name``."""
    found = []
    for child in descendants(pid):
        with contextlib.suppress(OSError):
            parent = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and _name(child) == name:
                found.append(child)
    [child] = found
    return child


# One worker: standalone's own process serves and watches the scheduler. More: a separate
# supervisor process watches both.
@pytest.mark.parametrize("workers", [1, 2])
def test_standalone_sigterm_stops_scheduler_webserver_and_tries_within_the_grace(
    harness: Harness, workers: int
) -> None:
    harness.add_dag("stoppable", STOPPABLE)
    port = free_port()
    process = _serve(harness, ["standalone", "-w", str(workers)], port)
    api = f"http://127.0.0.1:{port}/api/experimental"
    try:
        assert (_name(process.pid) == "tw-webserver") is (workers == 1)
        harness.wait_for(
            lambda: (
                httpx.post(f"{api}/dags/stoppable/dag_runs", json={"run_id": "r"}).status_code
                == 200
            ),
            what="the DAG to be synced and triggered",
        )
        harness.wait_for(lambda: len(try_pids(harness.tmp)) == 3, what="the tries to start")
        family = descendants(process.pid)
        code, took = _sigterm(process)
    finally:
        if process.poll() is None:
            process.kill()
    log = (harness.tmp / "standalone.log").read_text()
    assert code == 0, log
    assert took <= GRACE + EXIT_MARGIN, f"stopping took {took:.1f}s"
    assert wait_gone(family) == set(), "processes of standalone outlived it"
    assert running_tis(harness.db) == []
    assert harness.states("stoppable", "r") == {
        "quick": "success",
        "stuck": "up_for_retry",
        "stuck_no_retry": "failed",
    }
    print(
        f"survived: SIGTERM to standalone with 3 tries running; scheduler, webserver "
        f"workers and tries gone in {took:.1f}s (shutdown_grace {GRACE:g}s)"
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_standalone_stops_everything_when_its_scheduler_dies(
    harness: Harness, workers: int
) -> None:
    port = free_port()
    process = _serve(harness, ["standalone", "-w", str(workers)], port)
    try:
        family = descendants(process.pid)
        scheduler = _child_named(process.pid, "tw-scheduler")
        began = time.monotonic()
        os.kill(scheduler, signal.SIGKILL)
        code = process.wait(GRACE + 15)
        took = time.monotonic() - began
    finally:
        if process.poll() is None:
            process.kill()
    log = (harness.tmp / "standalone.log").read_text()
    assert code == 1, log
    assert "The scheduler exited with code -9; stopping." in log, log
    assert took <= GRACE + EXIT_MARGIN, f"stopping took {took:.1f}s"
    assert wait_gone(family) == set(), "processes of standalone outlived it"
    print(
        f"survived: the scheduler was killed; standalone ({workers} worker(s)) stopped "
        f"in {took:.1f}s"
    )


def test_webserver_sigterm_leaves_the_schedulers_tries_alone(harness: Harness) -> None:
    harness.add_dag("stoppable", STOPPABLE)
    harness.sync()
    harness.start(TRADEWIND__CORE__SHUTDOWN_GRACE=str(GRACE))
    port = free_port()
    process = _serve(harness, ["webserver", "-w", "2"], port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/experimental") as client:
            assert client.post("/dags/stoppable/dag_runs", json={"run_id": "r"}).status_code == 200
            harness.wait_for(lambda: len(try_pids(harness.tmp)) == 3, what="the tries to start")
            workers = descendants(process.pid)
            assert len(workers) >= 2
            # A keep-alive connection stays open while the webserver stops.
            assert client.get("/dags/stoppable/dag_runs/r").json()["state"] == "running"
            code, took = _sigterm(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0, (harness.tmp / "webserver.log").read_text()
    assert took <= GRACE + EXIT_MARGIN, f"stopping took {took:.1f}s"
    assert wait_gone(workers) == set()
    harness.wait_for(
        lambda: harness.states("stoppable", "r")["quick"] == "success", what="quick to end"
    )
    pids = try_pids(harness.tmp)
    assert wait_gone({pids["stuck"], pids["stuck_no_retry"]}, timeout=0.5) == {
        pids["stuck"],
        pids["stuck_no_retry"],
    }, "the webserver's stop reached the scheduler's tries"
    assert harness.proc is not None and harness.proc.poll() is None
    print(f"survived: SIGTERM to the webserver (2 workers) in {took:.1f}s; tries unharmed")
