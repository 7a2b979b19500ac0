"""``tradewind standalone`` runs a triggerer (in its webserver's process unless told
otherwise): deferred tasks resume, ``/health`` reports it, and its end does not go unnoticed."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import httpx
import pytest

from tests.api.server import free_port
from tests.faults_process.stoppable import wait_gone
from tests.faults_process.test_standalone_stop import _serve, _sigterm
from tests.processes import descendants
from tests.scheduling.harness import Harness

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

FLAG_TRIGGER_MODULE = """
import asyncio, os
from tradewind.authoring.triggers import BaseTrigger, TriggerEvent

class FlagTrigger(BaseTrigger):
    def __init__(self, path, **kwargs):
        super().__init__(**kwargs)
        self.path = path

    def serialize(self):
        return ("flag_triggers.FlagTrigger", {"path": self.path})

    async def run(self):
        while not (os.path.exists(self.path) and open(self.path).read()):
            await asyncio.sleep(0.1)
        if open(self.path).read() == "crash":
            raise SystemExit(3)  # ends the event loop: the triggerer itself, not one trigger
        yield TriggerEvent("seen")
"""

WAITS_FOR_FLAG = """
import os
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.baseoperator import BaseOperator
from flag_triggers import FlagTrigger

class WaitForFlag(BaseOperator):
    def execute(self, context):
        self.defer(trigger=FlagTrigger(os.path.join("@TMP@", "flag")), method_name="seen")

    def seen(self, context, event):
        return event

with DAG("waits_for_flag", start_date=datetime(2024, 1, 1), schedule=None):
    WaitForFlag(task_id="wait")
"""


def _process_names(pid: int) -> list[str]:
    """The names of standalone's process (the webserver, with one worker) and its children."""
    names = []
    for child in [pid, *descendants(pid)]:
        with contextlib.suppress(OSError):
            names.append(Path(f"/proc/{child}/comm").read_text().strip())
    return sorted(names)


def _add_dag(harness: Harness) -> None:
    (harness.dags_folder / "flag_triggers.py").write_text(FLAG_TRIGGER_MODULE)
    harness.add_dag("waits_for_flag", WAITS_FOR_FLAG)


def _start_deferred_run(harness: Harness, port: int) -> None:
    api = f"http://127.0.0.1:{port}/api/experimental"
    harness.wait_for(
        lambda: (
            httpx.post(f"{api}/dags/waits_for_flag/dag_runs", json={"run_id": "r"}).status_code
            == 200
        ),
        60,
        "the DAG to be synced and triggered",
    )
    harness.wait_for(
        lambda: harness.states("waits_for_flag", "r")["wait"] == "deferred", 60, "the deferral"
    )


@pytest.mark.parametrize("in_webserver", [True, False], ids=["in_webserver", "own_process"])
def test_standalone_resumes_deferred_tasks_and_health_reports_its_triggerer(
    harness: Harness, in_webserver: bool
) -> None:
    harness.env["TRADEWIND__TRIGGERER__STANDALONE_IN_WEBSERVER"] = str(in_webserver)
    _add_dag(harness)
    port = free_port()
    process = _serve(harness, ["standalone"], port)
    try:

        def triggerer_health() -> dict[str, object]:
            body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
            return dict(body["triggerer"])

        harness.wait_for(
            lambda: triggerer_health()["status"] == "healthy", 60, "a healthy triggerer"
        )
        assert str(triggerer_health()["latest_triggerer_heartbeat"]).startswith("20")
        _start_deferred_run(harness, port)
        (harness.tmp / "flag").write_text("go")
        assert harness.wait_run("waits_for_flag", "r", timeout=60) == "success"
        names = _process_names(process.pid)
        assert ("tw-triggerer" in names) is not in_webserver, names
        assert "tw-webserver" in names and "tw-scheduler" in names, names
        family = descendants(process.pid)
        code, _ = _sigterm(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0, (harness.tmp / "standalone.log").read_text()
    assert wait_gone(family) == set(), "processes of standalone outlived it"


def test_standalone_stops_everything_when_its_triggerer_dies(harness: Harness) -> None:
    _add_dag(harness)
    port = free_port()
    process = _serve(harness, ["standalone"], port)
    try:
        _start_deferred_run(harness, port)
        family = descendants(process.pid)
        (harness.tmp / "flag").write_text("crash")
        began = time.monotonic()
        code = process.wait(30)
        took = time.monotonic() - began
    finally:
        if process.poll() is None:
            process.kill()
    log = (harness.tmp / "standalone.log").read_text()
    assert code == 1, log
    assert "the triggerer stopped unexpectedly" in log, log
    assert wait_gone(family) == set(), "processes of standalone outlived it"
    print(f"survived: the triggerer's thread died; standalone stopped all in {took:.1f}s")
