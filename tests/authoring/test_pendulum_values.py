"""Airflow DAG files pass pendulum values; Tradewind takes them as the plain types they extend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pendulum

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators.bash import BashOperator
from tradewind.dagfiles.serialization import serialize_dag


def test_pendulum_dates_and_durations_are_stored_as_plain_utc_values() -> None:
    with DAG(
        "pendulum_values",
        start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Paris"),
        end_date=pendulum.datetime(2025, 1, 1),
        schedule=pendulum.duration(hours=6),
        dagrun_timeout=pendulum.duration(minutes=30),
        default_args={"retry_delay": pendulum.duration(minutes=5)},
    ) as dag:
        task = BashOperator(
            task_id="t", bash_command="true", execution_timeout=pendulum.duration(seconds=30)
        )

    assert dag.start_date == datetime(2023, 12, 31, 23, 0, tzinfo=UTC)  # Paris midnight
    assert type(dag.start_date) is datetime and type(dag.end_date) is datetime
    assert type(dag.schedule) is timedelta and dag.schedule == timedelta(hours=6)
    assert type(dag.dagrun_timeout) is timedelta
    assert type(task.retry_delay) is timedelta and task.retry_delay == timedelta(minutes=5)
    assert type(task.execution_timeout) is timedelta

    serialized = serialize_dag(dag)
    assert serialized["start_date"] == "2023-12-31T23:00:00+00:00"
    assert serialized["schedule"] == str(timedelta(hours=6))
