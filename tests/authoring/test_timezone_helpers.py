from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tradewind.authoring.timezone import coerce_utc, parse_datetime, utcnow


def test_utcnow_is_aware() -> None:
    assert utcnow().tzinfo is UTC


def test_coerce_utc() -> None:
    assert coerce_utc(datetime(2024, 1, 1, 12)) == datetime(2024, 1, 1, 12, tzinfo=UTC)
    minus_five = timezone(timedelta(hours=-5))
    converted = coerce_utc(datetime(2024, 1, 1, 7, tzinfo=minus_five))
    assert converted == datetime(2024, 1, 1, 12, tzinfo=UTC) and converted.tzinfo is UTC
    assert coerce_utc(date(2024, 1, 2)) == datetime(2024, 1, 2, tzinfo=UTC)
    with pytest.raises(TypeError):
        coerce_utc("2024-01-01")  # type: ignore[arg-type]


def test_parse_datetime() -> None:
    assert parse_datetime("2024-01-01T10:00:00+02:00") == datetime(2024, 1, 1, 8, tzinfo=UTC)
    assert parse_datetime("2024-01-01") == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_datetime("2024-01-01T10:00:00Z") == datetime(2024, 1, 1, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_datetime("yesterday")
