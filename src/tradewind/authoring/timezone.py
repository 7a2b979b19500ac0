"""UTC helpers for DAG authoring.

Every datetime Tradewind stores or compares is timezone-aware UTC. Users often write naive
datetimes (``datetime(2024, 1, 1)``); treating those as UTC here, once, means no other layer
has to guess.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from dateutil import parser as _dateutil_parser

from tradewind.exceptions import DagDefinitionError

__all__ = [
    "UTC",
    "coerce_utc",
    "coerce_utc_or_none",
    "days_ago",
    "parse_datetime",
    "plain_timedelta",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (never naive, unlike ``datetime.utcnow``)."""
    return datetime.now(UTC)


def days_ago(
    n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
) -> datetime:
    """That time of day (midnight by default), UTC, ``n`` days before today (Airflow 1.10's
    ``start_date=days_ago(2)``)."""
    today = utcnow().replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - timedelta(days=n)


def coerce_utc(value: datetime | date) -> datetime:
    """Return ``value`` as an aware UTC datetime.

    Naive datetimes are taken to already be UTC; aware ones are converted; a bare ``date`` means
    midnight UTC of that day. Subclasses (pendulum's ``DateTime``) come back as a plain
    ``datetime``, so what is stored and compared never depends on the library a DAG used.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            value = value.replace(tzinfo=UTC)
        utc = value.astimezone(UTC)
        return datetime(
            utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, UTC
        )
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")


def plain_timedelta(value: timedelta) -> timedelta:
    """``value`` as a plain ``timedelta`` (pendulum's ``Duration`` is a subclass that prints
    as "6 hours"), so stored schedules and delays read the same either way.

    A ``Duration`` of months or years has no fixed length (Airflow adds calendar months): it
    is refused rather than turned into 30 or 365 days.
    """
    if type(value) is timedelta:
        return value
    if getattr(value, "months", 0) or getattr(value, "years", 0):
        raise DagDefinitionError(
            f"{value!r} counts months or years, which have no fixed length; use a cron "
            "schedule such as '@monthly' or '0 0 1 * *' instead"
        )
    return timedelta(seconds=value.total_seconds())


def coerce_utc_or_none(value: datetime | date | None) -> datetime | None:
    """:func:`coerce_utc` that lets ``None`` (an unset date) pass through."""
    return None if value is None else coerce_utc(value)


def parse_datetime(text: str) -> datetime:
    """Parse an ISO-8601-ish string (API input, serialized DAGs) into an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = _dateutil_parser.isoparse(text)
        except ValueError as exc:
            raise ValueError(f"not an ISO-8601 datetime: {text!r}") from exc
    return coerce_utc(parsed)
