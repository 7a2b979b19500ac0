"""Reading the dates people and clients send, by the API contract's rules.

Accepted: ISO 8601 with or without offset (naive means UTC), with or without
microseconds, and the ``+`` of an offset that a form decoder turned into a space
(``2016-11-16T11:34:15 00:00``). Everything else is one exact error text, so clients that
match on it keep working.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tradewind.exceptions import BadRequest

EXAMPLE_DATE = "2015-11-16T14:34:15+00:00"

# A date-time followed by a space and an offset: the space was a "+" before decoding.
_SPACE_OFFSET = re.compile(
    r"^(?P<stamp>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)"
    r" (?P<offset>\d{2}(?::?\d{2})?)$"
)


def bad_date_message(text: str) -> str:
    return (
        f"Given execution date, {text}, could not be identified as a date. "
        f"Example date format: {EXAMPLE_DATE}"
    )


def parse_execution_date(text: str) -> datetime:
    """``text`` as an aware UTC datetime, or :class:`BadRequest` with the contract's text."""
    if not isinstance(text, str):
        raise BadRequest(bad_date_message(str(text)))
    candidate = text.strip()
    match = _SPACE_OFFSET.match(candidate)
    if match:
        candidate = f"{match['stamp']}+{match['offset']}"
    if candidate.endswith(("z", "Z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise BadRequest(bad_date_message(text)) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise BadRequest(bad_date_message(text)) from None


def iso(value: datetime | None) -> str:
    """ISO 8601 with an explicit offset, or "" for no date (Airflow's dag-run objects)."""
    return value.isoformat() if value is not None else ""
