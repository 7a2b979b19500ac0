"""Processes add up in one scrape; a starting process clears the files of dead ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tradewind.observability.prometheus import FOLDER_NAME, exposition

EMIT = """
import sys, time
from tradewind.config import load_config
from tradewind.observability import catalog, metrics
metrics.configure(load_config())
metrics.incr(catalog.RUNS_CREATED, int(sys.argv[1]))
metrics.gauge(catalog.EXECUTOR_OPEN_SLOTS, int(sys.argv[1]))
print("emitted", flush=True)
if sys.argv[2] == "stay":
    sys.stdin.read()
"""


def start(home: Path, count: int, stay: bool) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADEWIND", "PROMETHEUS"))}
    env["TRADEWIND_HOME"] = str(home)
    process = subprocess.Popen(
        [sys.executable, "-c", EMIT, str(count), "stay" if stay else "go"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "emitted\n"
    return process


def scraped(home: Path) -> dict[str, float]:
    text = exposition(home / FOLDER_NAME).decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_processes_add_up_and_the_dead_are_cleared_at_start(tmp_path: Path) -> None:
    gone = start(tmp_path, 3, stay=False)
    gone.wait(30)
    after_death = scraped(tmp_path)
    assert after_death["tradewind_dag_runs_created_total"] == 3  # kept until a restart
    assert "tradewind_executor_open_slots" not in after_death  # a dead process's gauge is not
    first = start(tmp_path, 2, stay=True)  # starting clears the files of the dead
    second = start(tmp_path, 4, stay=True)
    try:
        files = {path.name for path in (tmp_path / FOLDER_NAME).iterdir()}
        assert f"counter_{gone.pid}.db" not in files
        assert {f"counter_{first.pid}.db", f"counter_{second.pid}.db"} <= files
        both = scraped(tmp_path)
        assert both["tradewind_dag_runs_created_total"] == 6  # one sum over the processes
        assert both["tradewind_executor_open_slots"] == 6
    finally:
        first.communicate("")
        second.communicate("")
