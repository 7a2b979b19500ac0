"""An idle scheduler keeps no process: the runner host and its zygotes start with the
first try, not ahead of any work."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text

from tests.processes import descendants, running
from tests.scheduling.harness import Harness

ONE_TASK = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("one", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: 1)
"""


def _zygotes(pid: int) -> set[int]:
    found = set()
    for child in descendants(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"tradewind.execution.zygote" in command:
            found.add(child)
    return found


def _runner_hosts(pid: int) -> set[int]:
    """The scheduler's forked children that are not DAG folder syncs (the harness syncs
    once, at start) nor callback runners: a run with no callbacks has none."""
    return {child for child in descendants(pid) if _parent(child) == pid}


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_an_idle_scheduler_keeps_no_process_until_its_first_try(harness: Harness) -> None:
    harness.add_dag("one", ONE_TASK)
    harness.sync()
    harness.start()
    try:
        assert harness.proc is not None
        pid = harness.proc.pid
        harness.wait_for(
            lambda: "Scheduler started" in harness.scheduler_log(), what="the scheduler"
        )
        harness.wait_for(lambda: not descendants(pid), what="the DAG folder sync to end")
        time.sleep(2)  # idle passes
        assert descendants(pid) == set(), "a process waits before any try was asked for"

        run_id = harness.trigger("one")
        assert harness.wait_run("one", run_id) == "success"
        hosts = _runner_hosts(pid)
        assert len(hosts) == 1, f"one runner host, found {hosts}"
        # The file's zygote, and a spare kept ahead for the next file.
        harness.wait_for(lambda: len(_zygotes(pid)) == 2, what="the file's zygote and a spare")

        # The scheduler goes on with the database connections it had when it forked the
        # host, and later tries go to the same host.
        for _ in range(3):
            run_id = harness.trigger("one")
            assert harness.wait_run("one", run_id) == "success"
        assert _runner_hosts(pid) == hosts
    finally:
        harness.stop()


def test_a_runner_host_killed_while_idle_is_replaced_for_the_next_run(harness: Harness) -> None:
    harness.add_dag("one", ONE_TASK)
    harness.sync()
    harness.start()
    try:
        assert harness.proc is not None
        pid = harness.proc.pid
        run_id = harness.trigger("one")
        assert harness.wait_run("one", run_id) == "success"
        (host,) = _runner_hosts(pid)
        os.kill(host, signal.SIGKILL)
        harness.wait_for(lambda: not running(host), what="the runner host to be gone")

        for _ in range(2):
            run_id = harness.trigger("one")
            assert harness.wait_run("one", run_id) == "success"
            assert harness.tis("one", run_id)["t"].try_number == 1
        hosts = _runner_hosts(pid)
        assert len(hosts) == 1 and host not in hosts, f"a new runner host, found {hosts}"
    finally:
        harness.stop()


def _passes(harness: Harness) -> float:
    """Scheduler passes so far, from the Prometheus files every process writes."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(harness.config.home / "prometheus"))
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == "tradewind_scheduler_pass_seconds_count":
                return sample.value
    return 0.0


def test_a_lost_listen_connection_leaves_the_scheduler_idle(harness: Harness) -> None:
    """The runner host, forked after the scheduler's LISTEN connection opened, shares its
    socket: once the server drops it, the scheduler must still be able to stop waiting on
    it, or every wait would return at once (a scheduler spinning on a core)."""
    if harness.db.dialect != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    harness.add_dag("one", ONE_TASK)
    harness.sync()
    harness.start()
    try:
        run_id = harness.trigger("one")
        assert harness.wait_run("one", run_id) == "success"  # the host is forked now
        with harness.db.session() as session:
            dropped = session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND query ILIKE 'LISTEN%'"
                )
            ).all()
        assert dropped, "no LISTEN connection found"
        harness.wait_for(
            lambda: "connection restored" in harness.scheduler_log(), what="a new LISTEN"
        )
        before = _passes(harness)
        time.sleep(2)  # idle: a pass per heartbeat (0.5 s), not one per wait
        assert _passes(harness) - before < 50
        run_id = harness.trigger("one")
        assert harness.wait_run("one", run_id) == "success"
    finally:
        harness.stop()
