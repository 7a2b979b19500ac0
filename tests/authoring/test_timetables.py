from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tradewind.authoring.schedules import (
    CronTimetable,
    DagRunInfo,
    DataInterval,
    DeltaTimetable,
    InvalidCronExpression,
    NullTimetable,
    OnceTimetable,
    timetable_for,
    timetable_from_serialized,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


DAILY = CronTimetable("@daily")


def next_info(timetable, last=None, *, start, end=None, catchup=True, now):  # type: ignore[no-untyped-def]
    return timetable.next_run_info(
        last_automated_data_interval=last,
        start_date=start,
        end_date=end,
        catchup=catchup,
        now=now,
    )


def test_presets_and_summary() -> None:
    assert DAILY.summary == "0 0 * * *"
    assert CronTimetable("@hourly").summary == "0 * * * *"
    assert CronTimetable("@weekly").summary == "0 0 * * 0"
    assert CronTimetable("@monthly").summary == "0 0 1 * *"
    assert CronTimetable("@yearly").summary == "0 0 1 1 *"
    assert OnceTimetable().summary == "@once"
    assert NullTimetable().summary == "None"
    assert DeltaTimetable(timedelta(days=1)).summary == "1 day, 0:00:00"


def test_invalid_cron() -> None:
    with pytest.raises(InvalidCronExpression):
        CronTimetable("61 * * * *")
    with pytest.raises(ValueError):
        timetable_for("@sometimes")


def test_cron_catchup_starts_at_first_tick_after_start_date() -> None:
    info = next_info(DAILY, start=utc(2024, 1, 1, 6), now=utc(2024, 1, 10))
    assert info == DagRunInfo(
        logical_date=utc(2024, 1, 2),
        data_interval=DataInterval(utc(2024, 1, 2), utc(2024, 1, 3)),
        run_after=utc(2024, 1, 3),
    )
    # A start_date on a tick is itself the first interval start.
    assert next_info(DAILY, start=utc(2024, 1, 1), now=utc(2024, 1, 10)).logical_date == utc(
        2024, 1, 1
    )


def test_cron_catchup_continues_after_last_interval() -> None:
    last = DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))
    info = next_info(DAILY, last, start=utc(2024, 1, 1), now=utc(2024, 1, 10))
    assert info.data_interval == DataInterval(utc(2024, 1, 2), utc(2024, 1, 3))


def test_cron_without_catchup_jumps_to_latest_complete_interval() -> None:
    now = utc(2024, 1, 10, 15)
    info = next_info(DAILY, start=utc(2024, 1, 1), catchup=False, now=now)
    assert info.data_interval == DataInterval(utc(2024, 1, 9), utc(2024, 1, 10))
    assert info.run_after <= now
    # Exactly on a boundary, the interval ending now is the latest complete one.
    on_tick = next_info(DAILY, start=utc(2024, 1, 1), catchup=False, now=utc(2024, 1, 10))
    assert on_tick.data_interval == DataInterval(utc(2024, 1, 9), utc(2024, 1, 10))
    # Never goes back before the interval after the last run.
    last = DataInterval(utc(2024, 1, 9), utc(2024, 1, 10))
    after = next_info(DAILY, last, start=utc(2024, 1, 1), catchup=False, now=now)
    assert after.data_interval == DataInterval(utc(2024, 1, 10), utc(2024, 1, 11))
    assert after.run_after > now  # returned even though it is not due yet


def test_cron_without_catchup_respects_future_start_date() -> None:
    info = next_info(DAILY, start=utc(2024, 2, 1), catchup=False, now=utc(2024, 1, 10))
    assert info.logical_date == utc(2024, 2, 1)


def test_cron_end_date() -> None:
    last = DataInterval(utc(2024, 1, 4), utc(2024, 1, 5))
    assert (
        next_info(DAILY, last, start=utc(2024, 1, 1), end=utc(2024, 1, 4, 12), now=utc(2025, 1, 1))
        is None
    )
    last = DataInterval(utc(2024, 1, 3), utc(2024, 1, 4))
    info = next_info(DAILY, last, start=utc(2024, 1, 1), end=utc(2024, 1, 4), now=utc(2025, 1, 1))
    assert info.logical_date == utc(2024, 1, 4)


def test_no_start_date_means_no_automated_runs() -> None:
    assert next_info(DAILY, start=None, now=utc(2024, 1, 1)) is None


def test_cron_manual_data_interval() -> None:
    interval = DAILY.infer_manual_data_interval(run_after=utc(2024, 1, 25, 1))
    assert interval == DataInterval(utc(2024, 1, 24), utc(2024, 1, 25))
    on_tick = DAILY.infer_manual_data_interval(run_after=utc(2024, 1, 25))
    assert on_tick == DataInterval(utc(2024, 1, 24), utc(2024, 1, 25))


def test_once() -> None:
    once = OnceTimetable()
    info = next_info(once, start=utc(2024, 1, 1), catchup=False, now=utc(2024, 6, 1))
    assert info == DagRunInfo.exact(utc(2024, 1, 1))
    assert next_info(once, info.data_interval, start=utc(2024, 1, 1), now=utc(2024, 6, 1)) is None
    assert once.infer_manual_data_interval(run_after=utc(2024, 2, 1)) == DataInterval.exact(
        utc(2024, 2, 1)
    )


def test_null() -> None:
    null = NullTimetable()
    assert next_info(null, start=utc(2024, 1, 1), now=utc(2024, 6, 1)) is None
    assert not null.can_be_scheduled
    assert null.infer_manual_data_interval(run_after=utc(2024, 2, 1)) == DataInterval.exact(
        utc(2024, 2, 1)
    )


def test_delta_catchup_and_no_catchup() -> None:
    six_hours = DeltaTimetable(timedelta(hours=6))
    first = next_info(six_hours, start=utc(2024, 1, 1, 1), now=utc(2024, 1, 5))
    assert first.data_interval == DataInterval(utc(2024, 1, 1, 1), utc(2024, 1, 1, 7))
    second = next_info(
        six_hours, first.data_interval, start=utc(2024, 1, 1, 1), now=utc(2024, 1, 5)
    )
    assert second.logical_date == utc(2024, 1, 1, 7)
    latest = next_info(six_hours, start=utc(2024, 1, 1), catchup=False, now=utc(2024, 1, 5))
    assert latest.data_interval == DataInterval(utc(2024, 1, 4, 18), utc(2024, 1, 5))
    manual = six_hours.infer_manual_data_interval(run_after=utc(2024, 1, 5))
    assert manual == DataInterval(utc(2024, 1, 4, 18), utc(2024, 1, 5))


@pytest.mark.parametrize(
    "schedule",
    [None, "@once", "@daily", "*/5 * * * *", timedelta(minutes=90)],
)
def test_serialization_round_trip(schedule: object) -> None:
    timetable = timetable_for(schedule)  # type: ignore[arg-type]
    restored = timetable_from_serialized(timetable.serialize())
    assert restored == timetable
    assert restored.summary == timetable.summary
