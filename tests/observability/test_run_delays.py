"""A scheduled run's delays are sent once, after the pass that started it committed.

The scheduler's hooks are driven here as its loop drives them, with StatsD sending to a
real UDP socket; the live test (test_triggerer_and_delay_metrics) runs them in a real
scheduler.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.observability.test_metrics_live import StatsdListener
from tradewind.config import load_config
from tradewind.db.models import DagRun
from tradewind.execution.workload import Workload
from tradewind.observability import metrics
from tradewind.scheduling import scheduler_metrics
from tradewind.states import RunType

NOW = datetime(2026, 1, 2, 0, 5, tzinfo=UTC)
DUE = datetime(2026, 1, 2, tzinfo=UTC)  # the end of the run's data interval


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[StatsdListener]:
    listener = StatsdListener()
    config = load_config(
        {
            "TRADEWIND_HOME": str(tmp_path),
            "TRADEWIND__METRICS__PROMETHEUS_ON": "False",  # no files in the test process
            "TRADEWIND__METRICS__STATSD_ON": "True",
            "TRADEWIND__METRICS__STATSD_HOST": "127.0.0.1",
            "TRADEWIND__METRICS__STATSD_PORT": str(listener.port),
        }
    )
    metrics.configure(config)
    yield listener
    metrics.reset()
    scheduler_metrics.pass_begins()
    scheduler_metrics._awaiting_first_task.clear()


def run(run_id: str, run_type: str = RunType.SCHEDULED) -> DagRun:
    return DagRun(dag_id="daily", run_id=run_id, run_type=run_type, data_interval_end=DUE)


def workload(run_id: str, task_id: str) -> Workload:
    return Workload(dag_id="daily", run_id=run_id, task_id=task_id, try_number=1, fileloc="")


def delays(listener: StatsdListener) -> list[tuple[str, float]]:
    listener.receive_until({"never"}, timeout=0.5)
    return [
        (line.split(":", 1)[0], float(line.split(":", 1)[1].split("|")[0]))
        for line in listener.lines
    ]


def test_a_refused_pass_sends_nothing_and_the_retry_sends_once(listener: StatsdListener) -> None:
    scheduler_metrics.pass_begins()
    scheduler_metrics.run_started(run("scheduled__1"))
    # The database refused that pass: nothing committed, nothing sent. The next pass
    # starts the run again and queues two of its tasks.
    scheduler_metrics.pass_begins()
    scheduler_metrics.run_started(run("scheduled__1"))
    scheduler_metrics.run_started(run("manual__1", RunType.MANUAL))  # not due at any time
    later = NOW + timedelta(seconds=1)
    queued = [workload("scheduled__1", "a"), workload("scheduled__1", "b")]
    scheduler_metrics.pass_committed(queued, later)
    # A later pass queues another task of the run: not its first.
    scheduler_metrics.pass_begins()
    scheduler_metrics.pass_committed([workload("scheduled__1", "c")], later)

    assert delays(listener) == [
        ("tradewind.dagrun.schedule_delay.daily", 301_000.0),
        ("tradewind.dagrun.daily.first_task_scheduling_delay", 301_000.0),
    ]


def test_a_run_whose_first_task_is_queued_in_a_later_pass(listener: StatsdListener) -> None:
    scheduler_metrics.pass_begins()
    scheduler_metrics.run_started(run("scheduled__2"))
    scheduler_metrics.pass_committed([], NOW)  # started, no task ready yet
    scheduler_metrics.pass_begins()
    scheduler_metrics.pass_committed([workload("scheduled__2", "a")], NOW + timedelta(minutes=1))

    assert delays(listener) == [
        ("tradewind.dagrun.schedule_delay.daily", 300_000.0),
        ("tradewind.dagrun.daily.first_task_scheduling_delay", 360_000.0),
    ]
