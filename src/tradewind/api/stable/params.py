"""Query parameters as Airflow's document types them: booleans, repeated lists, dates.

Read by hand from ``request.query_params`` (cheap on hot lists); a bad value is a 400 in
the words a schema validator would use, naming the parameter.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from starlette.datastructures import QueryParams

from tradewind.exceptions import BadRequest
from tradewind.operations.dates import parse_execution_date

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def boolean(query: QueryParams, name: str, default: bool | None = None) -> bool | None:
    text = query.get(name)
    if text is None:
        return default
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadRequest(f"{text!r} is not of type 'boolean' - '{name}'")


def strings(query: QueryParams, name: str) -> tuple[str, ...]:
    """A repeated parameter (``?tags=a&tags=b``); a comma-separated one also splits."""
    values: list[str] = []
    for value in query.getlist(name):
        values.extend(part for part in value.split(",") if part)
    return tuple(values)


def fields(query: QueryParams, known: Collection[str]) -> tuple[str, ...]:
    """``?fields=``: names of the answer object's fields, each one of ``known``.

    Checked before anything is read, as the document's enum says: an unknown name is a
    400 even when no row would have been shown.
    """
    names = strings(query, "fields")
    unknown = [name for name in names if name not in known]
    if unknown:
        raise BadRequest(f"{unknown[0]!r} is not one of the fields of the answer - 'fields'")
    return names


def date(query: QueryParams, name: str) -> datetime | None:
    text = query.get(name)
    if text is None:
        return None
    return date_value(name, text)


def date_value(name: str, text: str) -> datetime:
    try:
        return parse_execution_date(text)
    except BadRequest:
        raise BadRequest(f"{text!r} is not a 'date-time' - '{name}'") from None


def number(query: QueryParams, name: str) -> float | None:
    text = query.get(name)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value == value and abs(value) != float("inf"):
        return value
    raise BadRequest(f"{text!r} is not of type 'number' - '{name}'")


def integer(query: QueryParams, name: str) -> int | None:
    text = query.get(name)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"{text!r} is not of type 'integer' - '{name}'") from None


def update_mask(query: QueryParams) -> tuple[str, ...]:
    return strings(query, "update_mask")


def utc(value: datetime | None) -> datetime | None:
    """A date from a body: naive means UTC, as everywhere in the API."""
    if value is None:
        return None
    return date_value("date", value.isoformat())
