"""Time zones of cron timetables: accepted as a name or a tzinfo, stored as a name."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tradewind.authoring.timezone import coerce_utc


def zone_for(value: str | tzinfo) -> tzinfo:
    """``"Europe/Paris"``, ``"UTC"``, a ``ZoneInfo`` or a pendulum zone -> a tzinfo."""
    if isinstance(value, tzinfo):
        return value
    if not isinstance(value, str):
        raise TypeError(f"timezone must be a zone name or a tzinfo, got {value!r}")
    if value.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None


def zone_name(zone: tzinfo) -> str:
    """The name :func:`zone_for` reads back (IANA key, pendulum name, or ``"UTC"``)."""
    if zone is UTC:
        return "UTC"
    for attribute in ("key", "name"):
        name = getattr(zone, attribute, None)
        if isinstance(name, str):
            return name
    return str(zone)


def in_zone(at: datetime, zone: tzinfo) -> datetime:
    """``at`` as wall-clock time in ``zone`` (cron fields are read in that zone)."""
    return at if zone is UTC else coerce_utc(at).astimezone(zone)
