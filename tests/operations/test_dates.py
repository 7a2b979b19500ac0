"""The contract's date rules, without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tradewind.exceptions import BadRequest
from tradewind.operations.dates import iso, parse_execution_date

EXPECTED = datetime(2016, 11, 16, 11, 34, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2016-11-16T11:34:15+00:00",
        "2016-11-16T11:34:15",
        "2016-11-16T11:34:15Z",
        "2016-11-16T11:34:15 00:00",
        "2016-11-16 11:34:15+00:00",
        "2016-11-16T13:34:15+02:00",
        "2016-11-16T13:34:15 02:00",
        "2016-11-16T06:34:15-05:00",
        " 2016-11-16T11:34:15+00:00 ",
    ],
)
def test_accepted_forms(text: str) -> None:
    assert parse_execution_date(text) == EXPECTED


def test_microseconds_are_kept_and_results_are_utc() -> None:
    parsed = parse_execution_date("2016-11-16T11:34:15.000123")
    assert parsed.microsecond == 123 and parsed.tzinfo == UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "now",
        "2016-11-16T25:00:00",
        "11/16/2016",
        "1479296055",
        # Valid ISO 8601, but before year 1 or after year 9999 once in UTC.
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-00:01",
    ],
)
def test_refused_with_the_exact_text(text: str) -> None:
    with pytest.raises(BadRequest) as error:
        parse_execution_date(text)
    assert str(error.value) == (
        f"Given execution date, {text}, could not be identified as a date. "
        "Example date format: 2015-11-16T14:34:15+00:00"
    )


def test_iso_output() -> None:
    assert iso(EXPECTED) == "2016-11-16T11:34:15+00:00"
    assert iso(None) == ""
