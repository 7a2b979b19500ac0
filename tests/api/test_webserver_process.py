"""The ``tradewind webserver`` and ``tradewind standalone`` processes themselves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.server import DAG_FILE, free_port
from tests.processes import descendants

TRADEWIND = [sys.executable, "-c", "from tradewind.cli import main; main()"]


def alive(pids: set[int], grace: float = 5.0) -> set[int]:
    """Those of ``pids`` still running after ``grace`` seconds (helpers exit just after)."""
    deadline = time.monotonic() + grace
    while (living := _alive_now(pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return living


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive_now(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def stop(process: subprocess.Popen, timeout: float = 30) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise


def test_webserver_with_two_workers_serves_and_stops_on_sigterm(db_env: dict[str, str]) -> None:
    subprocess.run([*TRADEWIND, "db", "migrate"], env=db_env, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [*TRADEWIND, "webserver", "-w", "2", "-p", str(port), "-H", "127.0.0.1"],
        env=db_env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        response = wait_for(f"http://127.0.0.1:{port}/api/experimental/test", process)
        assert response.json() == {"status": "OK"}
        pools = httpx.get(f"http://127.0.0.1:{port}/api/experimental/pools").json()
        assert [pool["pool"] for pool in pools] == ["default_pool"]
        workers = descendants(process.pid)
        assert len(workers) >= 2
    finally:
        code = stop(process)
    assert code == 0
    assert alive(workers) == set()


@pytest.mark.slow
def test_standalone_runs_a_triggered_dag_and_stops_cleanly(tw_env: dict[str, str]) -> None:
    home = Path(tw_env["TRADEWIND_HOME"])
    (home / "dags" / "demo_dags.py").write_text(DAG_FILE)
    port = free_port()
    env = {**tw_env, "TRADEWIND__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1"}
    process = subprocess.Popen(
        [*TRADEWIND, "standalone", "-p", str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    api = f"http://127.0.0.1:{port}/api/experimental"
    try:
        wait_for(f"{api}/test", process, timeout=60)
        deadline = time.monotonic() + 60
        while httpx.get(f"{api}/dags/demo/paused").status_code != 200:
            assert time.monotonic() < deadline, "the scheduler never synced the DAG folder"
            time.sleep(0.2)
        assert httpx.get(f"{api}/dags/demo/paused/false").status_code == 200
        # The DAG's "load" task runs in the "loaders" pool.
        pool = json.dumps({"name": "loaders", "slots": 2})
        assert httpx.post(f"{api}/pools", content=pool).status_code == 200
        deadline = time.monotonic() + 60
        body = json.dumps({"run_id": "standalone", "execution_date": "2024-01-02"})
        assert httpx.post(f"{api}/dags/demo/dag_runs", content=body).status_code == 200
        while (state := httpx.get(f"{api}/dags/demo/dag_runs/standalone").json()["state"]) in (
            "queued",
            "running",
        ):
            assert time.monotonic() < deadline, "the run did not finish"
            time.sleep(0.2)
        assert state == "success"
        everything = descendants(process.pid)
        # One webserver worker by default, served in the webserver's own process.
        assert not [c for c in map(_cmdline, everything) if "multiprocessing" in c]
    finally:
        code = stop(process)
    out, _err = process.communicate()
    assert code == 0
    assert f"http://127.0.0.1:{port}" in out
    assert alive(everything) == set()


def test_standalone_on_an_unreachable_database_says_so_and_starts_nothing(
    tw_env: dict[str, str],
) -> None:
    # standalone migrates in a short-lived child process: its failure still reaches the user.
    port = free_port()
    env = {
        **tw_env,
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x",
    }
    result = subprocess.run(
        [*TRADEWIND, "standalone", "-p", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result
    assert "Error: the metadata database is unavailable" in result.stderr, result.stderr
    assert "Tradewind is running" not in result.stdout
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/api/experimental/test", timeout=2)
