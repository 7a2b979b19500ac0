"""Airflow-syntax DAGs with Airflow's timetables, run by a real scheduler under compat
(SQLite and PostgreSQL): EventsTimetable with catchup creates exactly its events' runs, and
Airflow's own workday example timetable (our implementation) runs once per working day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tradewind.config import Config
from tradewind.db.engine import Database

pytestmark = pytest.mark.slow

EVENTS_DAG = """
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.timetables.events import EventsTimetable

with DAG(
    dag_id="airflow_events",
    schedule=EventsTimetable(
        event_dates=[
            pendulum.datetime(2024, 5, 20, 9, 0, tz="UTC"),
            pendulum.datetime(2024, 5, 1, 12, 0, tz="UTC"),
            pendulum.datetime(2024, 6, 3, 18, 30, tz="UTC"),
        ],
        description="three launches",
    ),
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=True,
):
    BashOperator(task_id="say", bash_command="echo event {{ logical_date }}")
"""

WORKDAY_DAG = """
import pendulum
from airflow import DAG
from airflow.example_dags.plugins.workday import AfterWorkdayTimetable
from airflow.operators.empty import EmptyOperator

with DAG(
    dag_id="airflow_workdays",
    schedule=AfterWorkdayTimetable(),
    start_date=pendulum.datetime(2024, 3, 7, tz="UTC"),  # a Thursday
    end_date=pendulum.datetime(2024, 3, 12, tz="UTC"),
    catchup=True,
):
    EmptyOperator(task_id="noop")
"""


@pytest.fixture
def compat_harness(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Harness]:
    config = db_config.with_overrides({("core", "airflow_compat"): "True"})
    harness = Harness(
        config, database, {**db_env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True"}, tmp_path
    )
    try:
        yield harness
    finally:
        harness.stop()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_airflow_timetables_create_their_runs(compat_harness: Harness) -> None:
    h = compat_harness
    h.add_dag("airflow_events", EVENTS_DAG)
    h.add_dag("airflow_workdays", WORKDAY_DAG)
    h.start()

    events = [utc(2024, 5, 1, 12), utc(2024, 5, 20, 9), utc(2024, 6, 3, 18, 30)]
    h.wait_for(lambda: len(h.runs("airflow_events")) >= 3, 60, "the three event runs")
    runs = h.runs("airflow_events")
    assert [run.execution_date for run in runs] == events
    assert [(run.data_interval_start, run.data_interval_end) for run in runs] == [
        (when, when) for when in events
    ]
    first = runs[0].run_id
    assert h.wait_run("airflow_events", first, timeout=90) == "success"
    assert "event 2024-05-01 12:00:00+00:00" in h.try_log("airflow_events", first, "say")

    # Thursday, Friday, then Monday and Tuesday (the end date is a logical date, inclusive):
    # the weekend has no run.
    days = [utc(2024, 3, 7), utc(2024, 3, 8), utc(2024, 3, 11), utc(2024, 3, 12)]
    h.wait_for(lambda: len(h.runs("airflow_workdays")) >= 4, 60, "the workday runs")
    workdays = h.runs("airflow_workdays")
    assert [(r.data_interval_start, r.data_interval_end) for r in workdays] == [
        (day, day.replace(day=day.day + 1)) for day in days
    ]
    # Nothing more is created: the end date is reached (and the scheduler did not die).
    h.wait_for(lambda: h.proc is not None and h.proc.poll() is None, 1, "a live scheduler")
    assert len(h.runs("airflow_events")) == 3
    assert len(h.runs("airflow_workdays")) == 4
