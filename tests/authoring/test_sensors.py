"""Sensor arguments a DAG author gets wrong are refused at parse time, naming the task;
the waiting arithmetic (backoff, timeout, soft_fail) behaves as Airflow's."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tradewind import DAG
from tradewind.authoring.operators.trigger_dagrun import TriggerDagRunOperator
from tradewind.authoring.sensors import (
    BaseSensorOperator,
    BashSensor,
    DateTimeSensor,
    DayOfWeekSensor,
    ExternalTaskMarker,
    ExternalTaskSensor,
    PokeReturnValue,
    PythonSensor,
)
from tradewind.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    DagDefinitionError,
)

START = datetime(2024, 1, 1, tzinfo=UTC)


def _dag() -> DAG:
    return DAG("d", start_date=START, schedule=None)


def test_an_unknown_mode_names_the_sensor() -> None:
    with _dag(), pytest.raises(DagDefinitionError, match=r"mode of sensor 's'.*'rescheduled'"):
        PythonSensor(task_id="s", python_callable=bool, mode="rescheduled")


def test_a_negative_or_non_numeric_interval_is_refused() -> None:
    with _dag(), pytest.raises(DagDefinitionError, match="poke_interval of sensor 's'"):
        PythonSensor(task_id="s", python_callable=bool, poke_interval=-1)
    with _dag(), pytest.raises(DagDefinitionError, match="timeout of sensor 't'"):
        PythonSensor(task_id="t", python_callable=bool, timeout="soon")  # type: ignore[arg-type]


def test_external_sensor_argument_conflicts_are_refused() -> None:
    with _dag(), pytest.raises(DagDefinitionError, match="execution_delta or execution_date_fn"):
        ExternalTaskSensor(
            task_id="a",
            external_dag_id="x",
            execution_delta=timedelta(1),
            execution_date_fn=lambda d: d,
        )
    with _dag(), pytest.raises(DagDefinitionError, match=r"\['success'\] are in allowed_states"):
        ExternalTaskSensor(
            task_id="b", external_dag_id="x", external_task_id="t", failed_states=["success"]
        )
    with _dag(), pytest.raises(DagDefinitionError, match=r"'sucess'.*not task instance states"):
        ExternalTaskSensor(
            task_id="c", external_dag_id="x", external_task_id="t", allowed_states=["sucess"]
        )
    with _dag(), pytest.raises(DagDefinitionError, match="not both"):
        ExternalTaskSensor(
            task_id="e", external_dag_id="x", external_task_id="t", external_task_ids=["t"]
        )
    with _dag(), pytest.raises(DagDefinitionError, match="recursion_depth"):
        ExternalTaskMarker(
            task_id="m", external_dag_id="x", external_task_id="t", recursion_depth=0
        )


def test_trigger_dag_run_refuses_unknown_states_and_takes_deferrable() -> None:
    with _dag(), pytest.raises(DagDefinitionError, match=r"'done'.*not dag run states"):
        TriggerDagRunOperator(task_id="t", trigger_dag_id="x", allowed_states=["done"])
    with _dag(), warnings.catch_warnings():
        warnings.simplefilter("error")  # it waits in the triggerer (DagStateTrigger)
        op = TriggerDagRunOperator(
            task_id="u", trigger_dag_id="x", deferrable=True, wait_for_completion=True
        )
    assert op.deferrable
    with _dag(), pytest.raises(DagDefinitionError, match="poke_interval must be positive"):
        TriggerDagRunOperator(task_id="v", trigger_dag_id="x", poke_interval=0)


class _Ti:
    """The runtime task instance's reschedule and cross-DAG parts, in memory."""

    try_number = 1

    def __init__(self, first_poke: datetime | None = None, counts: dict[str, int] | None = None):
        self._first = first_poke
        self.counts = counts or {}
        self.asked: list[Any] = []

    def first_poke_date(self) -> datetime | None:
        return self._first

    def count_task_states(
        self, dag_id: str, dates: list[datetime], task_ids: Any, states: list[str], group: Any
    ) -> int:
        self.asked.append((dag_id, dates, task_ids, group))
        return sum(self.counts.get(state, 0) for state in states)

    def expected_task_count(self, dag_id: str, task_ids: Any, group: Any) -> int:
        return 2


def _context(ti: Any, **extra: Any) -> dict[str, Any]:
    return {"ti": ti, "logical_date": START, "dag": None, **extra}


def test_reschedule_mode_asks_to_come_back_after_poke_interval() -> None:
    with _dag():
        sensor = PythonSensor(
            task_id="s", python_callable=lambda: False, mode="reschedule", poke_interval=30
        )
    before = datetime.now(UTC)
    with pytest.raises(AirflowRescheduleException) as caught:
        sensor.execute(_context(_Ti()))
    delay = (caught.value.reschedule_date - before).total_seconds()
    assert 29 <= delay <= 31


def test_timeout_counts_from_the_first_poke_of_the_try() -> None:
    with _dag():
        hard = PythonSensor(
            task_id="h", python_callable=lambda: False, mode="reschedule", timeout=60
        )
        soft = PythonSensor(
            task_id="s",
            python_callable=lambda: False,
            mode="reschedule",
            timeout=60,
            soft_fail=True,
        )
    long_ago = _Ti(first_poke=datetime.now(UTC) - timedelta(minutes=5))
    with pytest.raises(AirflowSensorTimeout, match="Sensor has timed out"):
        hard.execute(_context(long_ago))
    assert isinstance(AirflowSensorTimeout("x"), AirflowException)
    with pytest.raises(AirflowSkipException, match="soft_fail"):
        soft.execute(_context(long_ago))


def test_exponential_backoff_grows_and_max_wait_caps_it() -> None:
    with _dag():
        sensor = PythonSensor(
            task_id="s",
            python_callable=bool,
            poke_interval=2,
            exponential_backoff=True,
            max_wait=10,
        )
    start = datetime.now(UTC)
    waits = [sensor._next_interval(_context(_Ti()), n, start) for n in range(1, 7)]
    assert waits[0] <= 2 and waits[2] > waits[0]
    assert max(waits) == 10


def test_poke_return_value_is_the_sensors_return_value() -> None:
    with _dag():
        sensor = PythonSensor(task_id="s", python_callable=lambda: PokeReturnValue(True, {"k": 1}))
    assert sensor.execute(_context(_Ti())) == {"k": 1}
    assert not PokeReturnValue(False)


def test_external_task_sensor_counts_tasks_groups_and_fails_on_failed_states() -> None:
    with _dag():
        on_tasks = ExternalTaskSensor(
            task_id="a",
            external_dag_id="x",
            external_task_ids=["t1", "t2"],
            execution_delta=timedelta(days=1),
        )
        on_group = ExternalTaskSensor(
            task_id="g",
            external_dag_id="x",
            external_task_group_id="grp",
            execution_date_fn=lambda d: [d, d - timedelta(hours=1)],
        )
        failing = ExternalTaskSensor(
            task_id="f", external_dag_id="x", external_task_id="t1", failed_states=["failed"]
        )
    ti = _Ti(counts={"success": 2})
    assert on_tasks.poke(_context(ti)) is True
    assert ti.asked[-1] == ("x", [START - timedelta(days=1)], ["t1", "t2"], None)
    assert on_group.poke(_context(ti)) is False  # 2 of the 4 (2 tasks x 2 dates)
    with pytest.raises(AirflowException, match="tasks \\['t1'\\] of DAG x failed"):
        failing.poke(_context(_Ti(counts={"failed": 1})))


def test_bash_sensor_retry_exit_code_fails_on_other_codes() -> None:
    with _dag():
        sensor = BashSensor(task_id="b", bash_command="exit 3", retry_exit_code=1)
        waiting = BashSensor(task_id="w", bash_command="exit 1")
    with pytest.raises(AirflowFailException, match="exited with 3"):
        sensor.poke({})
    assert waiting.poke({}) is False


def test_date_and_weekday_sensors() -> None:
    with _dag():
        past = DateTimeSensor(task_id="p", target_time=datetime(2020, 1, 1, tzinfo=UTC))
        future = DateTimeSensor(task_id="f", target_time="2999-01-01T00:00:00+00:00")
        monday = DayOfWeekSensor(task_id="m", week_day="Monday", use_task_logical_date=True)
    assert past.poke({}) is True
    assert future.poke({}) is False
    assert monday.poke({"logical_date": START}) is True  # 2024-01-01 was a Monday
    with warnings.catch_warnings(), _dag(), pytest.raises(DagDefinitionError, match="week_day"):
        DayOfWeekSensor(task_id="x", week_day="Moonday")


def test_deferrable_sensors_wait_in_the_triggerer_without_a_warning() -> None:
    from tradewind.authoring.sensors import FileSensor, TimeDeltaSensor

    with _dag(), warnings.catch_warnings():
        warnings.simplefilter("error")  # these wait in the triggerer: no warning
        FileSensor(task_id="f", filepath="/x", deferrable=True)
        ExternalTaskSensor(task_id="e", external_dag_id="x", deferrable=True)
        TimeDeltaSensor(task_id="d", delta=timedelta(hours=1), deferrable=True)
        DateTimeSensor(task_id="w", target_time="2030-01-01T00:00:00", deferrable=True)

    class Custom(BaseSensorOperator):
        def __init__(self, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(**kwargs)
            self._accept_deferrable(True)

        def poke(self, context):  # type: ignore[no-untyped-def]
            return True

    with _dag(), pytest.warns(UserWarning, match=r"deferrable=True of sensor 'c'.*pokes"):
        Custom(task_id="c")
    with _dag(), pytest.raises(DagDefinitionError, match="delta of sensor 't' must be"):
        TimeDeltaSensor(task_id="t", delta=5)  # type: ignore[arg-type]
    with _dag(), pytest.raises(DagDefinitionError, match=r"invalid arguments.*deferrable"):
        PythonSensor(task_id="p", python_callable=bool, deferrable=True)
