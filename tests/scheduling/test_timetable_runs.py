"""Timetables under a real scheduler (SQLite and PostgreSQL): the built-in
CronTriggerTimetable, and a user's timetable from the plugins folder, which only the DAG
processor imports."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tradewind.config import Config
from tradewind.db.engine import Database

pytestmark = pytest.mark.slow

CRON_TRIGGER_DAG = """
from datetime import datetime, timezone
from tradewind import DAG
from tradewind.authoring.schedules import CronTriggerTimetable
from tradewind.operators.empty import EmptyOperator

with DAG(
    "cron_trigger",
    schedule=CronTriggerTimetable("30 6 * * *", timezone="UTC"),
    start_date=datetime(2024, 3, 1, tzinfo=timezone.utc),
    end_date=datetime(2024, 3, 3, 12, tzinfo=timezone.utc),
    catchup=True,
):
    EmptyOperator(task_id="noop")
"""

#: A user's timetable: runs cover ``step`` seconds each, one after the other. Importing it
#: notes the importing process's pid, so the test can tell who imported it.
PLUGIN = """
import os
from datetime import timedelta
from tradewind.authoring.schedules import DagRunInfo, DataInterval, Timetable
from tradewind.plugins_manager import AirflowPlugin

with open("@TMP@/importers", "a") as handle:
    handle.write(f"{os.getpid()}\\n")


class StepTimetable(Timetable):
    def __init__(self, step: float) -> None:
        self.step = timedelta(seconds=step)

    @property
    def summary(self) -> str:
        return f"every {self.step.total_seconds():g}s"

    def serialize(self):
        return {"step": self.step.total_seconds()}

    @classmethod
    def deserialize(cls, data):
        return cls(data["step"])

    def infer_manual_data_interval(self, *, run_after):
        return DataInterval(run_after - self.step, run_after)

    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        if last_automated_data_interval is not None:
            start = last_automated_data_interval.end
        elif restriction.earliest is None:
            return None
        else:
            start = restriction.earliest
        if restriction.latest is not None and start > restriction.latest:
            return None
        return DagRunInfo.interval(start, start + self.step)


class StepPlugin(AirflowPlugin):
    name = "step"
    timetables = [StepTimetable]
"""

USER_TIMETABLE_DAGS = """
from datetime import datetime, timezone
from tradewind import DAG
from tradewind.operators.empty import EmptyOperator
from step_timetable import StepTimetable

with DAG(
    "two_days",
    schedule=StepTimetable(2 * 86400),
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    end_date=datetime(2024, 1, 7, tzinfo=timezone.utc),
    catchup=True,
):
    EmptyOperator(task_id="noop")

with DAG(
    "every_second",
    schedule=StepTimetable(1),
    start_date=datetime.fromisoformat("@START@"),
    catchup=True,
    max_active_runs=200,
):
    EmptyOperator(task_id="noop")
"""


@pytest.fixture
def plugin_harness(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Harness]:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "step_timetable.py").write_text(PLUGIN.replace("@TMP@", str(tmp_path)))
    config = db_config.with_overrides({("core", "plugins_folder"): str(plugins)})
    env = {**db_env, "TRADEWIND__CORE__PLUGINS_FOLDER": str(plugins)}
    h = Harness(config, database, env, tmp_path)
    try:
        yield h
    finally:
        h.stop()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_cron_trigger_timetable_runs_at_each_tick(harness: Harness) -> None:
    harness.add_dag("cron_trigger", CRON_TRIGGER_DAG)
    harness.start()
    harness.wait_for(lambda: len(harness.runs("cron_trigger")) >= 3, 60, "three runs")
    runs = harness.runs("cron_trigger")
    ticks = [utc(2024, 3, 1, 6, 30), utc(2024, 3, 2, 6, 30), utc(2024, 3, 3, 6, 30)]
    assert [run.execution_date for run in runs] == ticks
    # The data interval ends at the tick (zero-length by default), unlike a cron schedule.
    assert [(run.data_interval_start, run.data_interval_end) for run in runs] == [
        (tick, tick) for tick in ticks
    ]
    assert {run.run_type for run in runs} == {"scheduled"}


def test_user_timetable_runs_from_plans_the_dag_processor_makes(
    plugin_harness: Harness,
) -> None:
    h = plugin_harness
    start = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    h.add_dag("user_timetables", USER_TIMETABLE_DAGS.replace("@START@", start.isoformat()))
    h.start()

    # The intervals the user's class computes: 2 days each, until the end date.
    h.wait_for(lambda: len(h.runs("two_days")) >= 4, 60, "the two_days runs")
    assert [(r.data_interval_start, r.data_interval_end) for r in h.runs("two_days")] == [
        (utc(2024, 1, day), utc(2024, 1, day + 2)) for day in (1, 3, 5, 7)
    ]

    # One run a second goes on past the first plan (5 runs ahead): the scheduler asks the
    # DAG processor for more before they run out, the file never changing.
    h.wait_for(lambda: len(h.runs("every_second")) >= 14, 60, "14 runs of every_second")
    runs = h.runs("every_second")
    assert runs[0].data_interval_start == start
    for before, after in itertools.pairwise(runs):
        assert after.data_interval_start == before.data_interval_end
        assert after.data_interval_end - after.data_interval_start == timedelta(seconds=1)
    # Runs are not created before their interval is over.
    assert all(run.queued_at >= run.data_interval_end for run in runs)

    importers = {int(pid) for pid in (h.tmp / "importers").read_text().split()}
    assert importers, "the DAG processor imported the plugin"
    assert h.proc is not None
    assert h.proc.pid not in importers, "the scheduler process imported user code"


def test_a_manual_run_gets_the_user_timetables_manual_interval(
    plugin_harness: Harness,
) -> None:
    import subprocess
    import sys

    h = plugin_harness
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    h.add_dag("user_timetables", USER_TIMETABLE_DAGS.replace("@START@", start.isoformat()))
    h.sync(unpause=False)
    cli = subprocess.Popen(
        [sys.executable, "-c", "from tradewind.cli import main; main()", "dags", "trigger",
         "two_days", "-r", "by_hand", "-e", "2024-02-10T12:00:00+00:00"],
        env=h.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    out, _ = cli.communicate(timeout=120)
    assert cli.returncode == 0, out
    (run,) = [r for r in h.runs("two_days") if r.run_id == "by_hand"]
    # StepTimetable.infer_manual_data_interval: the step (2 days) before the run's date.
    assert (run.data_interval_start, run.data_interval_end) == (
        utc(2024, 2, 8, 12),
        utc(2024, 2, 10, 12),
    )
    importers = {int(pid) for pid in (h.tmp / "importers").read_text().split()}
    assert cli.pid not in importers, "the CLI process imported the user's timetable"
