"""Airflow's timetable interface and built-ins, and how a user's timetable is stored."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tradewind import DAG
from tradewind.authoring.schedules import (
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DagRunInfo,
    DataInterval,
    DeltaDataIntervalTimetable,
    EventsTimetable,
    PlannedTimetable,
    TimeRestriction,
    Timetable,
    timetable_for,
    timetable_from_serialized,
)
from tradewind.dagfiles.planning import PLAN_AHEAD, PlanContext
from tradewind.dagfiles.serialization import SerializedDAG, serialize_dag
from tradewind.example_dags.plugins.workday import AfterWorkdayTimetable
from tradewind.exceptions import DagDefinitionError


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def run_info(timetable: Timetable, last: DataInterval | None = None, **kw: Any) -> DagRunInfo:
    args: dict[str, Any] = {"start_date": None, "end_date": None, "catchup": True}
    args.update(kw)
    info = timetable.next_run_info(last_automated_data_interval=last, **args)
    assert info is not None
    return info


def test_dag_run_info_reads_as_airflows() -> None:
    info = DagRunInfo(
        run_after=utc(2024, 1, 2), data_interval=DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))
    )
    assert info.logical_date == utc(2024, 1, 1)
    start, end = info.data_interval
    assert (start, end) == (utc(2024, 1, 1), utc(2024, 1, 2))
    assert DagRunInfo.exact(utc(2024, 1, 1)).data_interval == DataInterval.exact(utc(2024, 1, 1))


def test_cron_trigger_runs_at_the_tick_with_an_interval_ending_there() -> None:
    timetable = CronTriggerTimetable("0 9 * * *", timezone="UTC", interval=timedelta(hours=1))
    info = run_info(timetable, start_date=utc(2024, 1, 1, 10), now=utc(2024, 1, 5))
    assert info.run_after == utc(2024, 1, 2, 9)
    assert info.data_interval == DataInterval(utc(2024, 1, 2, 8), utc(2024, 1, 2, 9))
    following = run_info(timetable, info.data_interval, now=utc(2024, 1, 5))
    assert following.run_after == utc(2024, 1, 3, 9)


def test_cron_trigger_without_catchup_waits_for_the_next_tick() -> None:
    timetable = CronTriggerTimetable("0 9 * * *", timezone="UTC")
    info = run_info(timetable, start_date=utc(2024, 1, 1), catchup=False, now=utc(2024, 1, 5, 10))
    assert info.logical_date == info.run_after == utc(2024, 1, 6, 9)


def test_cron_is_read_in_the_timetables_zone() -> None:
    paris = CronTriggerTimetable("0 9 * * *", timezone="Europe/Paris")
    info = run_info(paris, start_date=utc(2024, 1, 1), now=utc(2024, 2, 1))
    assert info.run_after == utc(2024, 1, 1, 8)  # 09:00 in Paris in winter
    interval = CronDataIntervalTimetable("0 0 * * *", "Europe/Paris")
    first = run_info(interval, start_date=utc(2024, 7, 1), now=utc(2024, 8, 1))
    assert first.data_interval == DataInterval(utc(2024, 7, 1, 22), utc(2024, 7, 2, 22))


def test_cron_and_delta_schedules_are_airflows_interval_timetables() -> None:
    assert isinstance(timetable_for("@daily"), CronDataIntervalTimetable)
    assert isinstance(timetable_for(timedelta(hours=1)), DeltaDataIntervalTimetable)
    # The public call takes a TimeRestriction and reads the clock itself.
    info = DeltaDataIntervalTimetable(timedelta(hours=1)).next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(utc(2024, 1, 1), None, True),
    )
    assert info == DagRunInfo.interval(utc(2024, 1, 1), utc(2024, 1, 1, 1))


def test_events_timetable() -> None:
    events = [utc(2024, 3, 1), utc(2024, 1, 1), utc(2024, 2, 1)]
    timetable = EventsTimetable(events, restrict_to_events=True, description="month starts")
    now = utc(2024, 6, 1)
    first = run_info(timetable, now=now)
    assert first == DagRunInfo.exact(utc(2024, 1, 1))
    assert run_info(timetable, first.data_interval, now=now).logical_date == utc(2024, 2, 1)
    assert (
        timetable.next_run_info(
            last_automated_data_interval=DataInterval.exact(utc(2024, 3, 1)),
            start_date=None,
            end_date=None,
            catchup=True,
            now=now,
        )
        is None
    )
    # Without catchup only the latest past event runs.
    assert run_info(timetable, catchup=False, now=now).logical_date == utc(2024, 3, 1)
    assert timetable.infer_manual_data_interval(run_after=utc(2024, 2, 10)) == (
        DataInterval.exact(utc(2024, 2, 1))
    )
    assert timetable.summary == "3 events"
    assert timetable_from_serialized(timetable.serialize()) == timetable


@pytest.mark.parametrize(
    "timetable",
    [
        CronTriggerTimetable("*/5 * * * *", timezone="Europe/Paris", interval=timedelta(minutes=5)),
        CronDataIntervalTimetable("0 3 * * *", "America/New_York"),
        CronDataIntervalTimetable("0 3 * * *"),
        DeltaDataIntervalTimetable(timedelta(minutes=30)),
    ],
)
def test_builtins_round_trip(timetable: Timetable) -> None:
    assert timetable_from_serialized(timetable.serialize()) == timetable


def test_bad_arguments_name_the_dag() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        CronTriggerTimetable("0 0 * * *", timezone="Mars/Base")
    with pytest.raises(ValueError, match="invalid cron expression '0 0 \\* \\*'"):
        CronTriggerTimetable("0 0 * *", timezone="UTC")

    class Picky(Timetable):
        def validate(self) -> None:
            raise ValueError("Picky needs a weekday")

    with pytest.raises(DagDefinitionError, match=r"'picky'.*Picky needs a weekday"):
        DAG("picky", schedule=Picky())


def test_a_timetable_missing_the_contract_says_what_to_implement() -> None:
    class Half(Timetable):
        pass

    with pytest.raises(NotImplementedError, match="Half must implement next_dagrun_info"):
        Half().next_dagrun_info(
            last_automated_data_interval=None, restriction=TimeRestriction(None, None, True)
        )


def test_after_workday_skips_weekends() -> None:
    timetable = AfterWorkdayTimetable()
    friday = DataInterval(utc(2024, 3, 8), utc(2024, 3, 9))
    info = timetable.next_dagrun_info(
        last_automated_data_interval=friday, restriction=TimeRestriction(None, None, True)
    )
    assert info == DagRunInfo.interval(utc(2024, 3, 11), utc(2024, 3, 12))
    # Triggered by hand on Sunday or Monday morning: Friday's data.
    for when in (utc(2024, 3, 10, 15), utc(2024, 3, 11, 8)):
        assert timetable.infer_manual_data_interval(run_after=when) == friday


def test_a_users_timetable_is_stored_with_its_planned_runs() -> None:
    dag = DAG(
        "workdays", schedule=AfterWorkdayTimetable(), start_date=utc(2024, 3, 7), catchup=True
    )
    dag.fileloc = __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = serialize_dag(dag, plan_context=PlanContext(now=utc(2024, 3, 12, 12)))
    stored = data["timetable"]
    assert stored["__type"] == "tradewind.example_dags.plugins.workday.AfterWorkdayTimetable"
    assert stored["__var"] == {}
    sdag = SerializedDAG.from_dict(data)
    planned = sdag.timetable
    assert isinstance(planned, PlannedTimetable)
    assert planned.summary == "after_workday"
    # Every run due at planning time (Thu, Fri, Mon), then PLAN_AHEAD more.
    starts = [info.data_interval.start for info in planned.plan.runs]
    assert starts[:4] == [utc(2024, 3, 7), utc(2024, 3, 8), utc(2024, 3, 11), utc(2024, 3, 12)]
    assert len(starts) == 3 + PLAN_AHEAD
    # The scheduler replays the plan, and asks for more before it runs out.
    now = utc(2024, 3, 12, 12)
    info = sdag.next_dagrun_info(last_automated_data_interval=None, now=now)
    assert info is not None and info.data_interval.start == utc(2024, 3, 7)
    monday = DataInterval(utc(2024, 3, 11), utc(2024, 3, 12))
    after = sdag.next_dagrun_info(last_automated_data_interval=monday, now=now)
    assert after is not None and after.data_interval.start == utc(2024, 3, 12)
    assert not planned.running_low(monday)
    assert planned.running_low(planned.plan.runs[-2].data_interval)
    assert SerializedDAG.from_dict(sdag.to_dict()).to_dict() == sdag.to_dict()


def test_an_undeclared_timetable_is_warned_about(tmp_path: Any) -> None:
    from tradewind.dagfiles.loader import load_dag_file

    path = tmp_path / "undeclared.py"
    path.write_text(
        "from datetime import datetime, timezone\n"
        "from tradewind import DAG\n"
        "from tradewind.authoring.schedules import Timetable\n"
        "class Mine(Timetable):\n"
        "    pass\n"
        "start = datetime(2024, 1, 1, tzinfo=timezone.utc)\n"
        "dag = DAG('undeclared', schedule=Mine(), start_date=start)\n"
    )
    loaded = load_dag_file(str(path))
    assert any("is not listed in any AirflowPlugin's `timetables`" in w for w in loaded.warnings)
