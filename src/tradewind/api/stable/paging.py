"""Pages of a collection: ``limit``, ``offset``, ``order_by`` and ``total_entries``.

Airflow's rules: no ``limit`` means ``[api] fallback_page_limit`` rows, ``0`` the same, a
``limit`` above ``[api] maximum_page_limit`` is lowered to it, a negative one is a 400.
``order_by`` names one attribute of the resource, ``-`` in front for descending; any
other name is a 400 (the column list is the resource's, so no one sorts by a secret).
Every collection carries ``total_entries``: how many rows match, whatever the page.

Query parameters are read by hand from ``request.query_params``: FastAPI's per-parameter
machinery costs more than the query on the hottest lists. The OpenAPI document still
names them (:data:`PAGE_PARAMETERS`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from starlette.datastructures import QueryParams

from tradewind.config import Config
from tradewind.exceptions import BadRequest

MAX_OFFSET = 2**63 - 1


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int
    order_by: str | None


def _integer(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"{text!r} is not of type 'integer' - '{name}'") from None


def page_limit(text: str | None, config: Config) -> int:
    maximum = int(config.get("api", "maximum_page_limit"))
    fallback = int(config.get("api", "fallback_page_limit"))
    if text is None:
        return min(fallback, maximum)
    limit = _integer("limit", text)
    if limit < 0:
        raise BadRequest("Page limit must be a positive integer")
    if limit == 0:
        return min(fallback, maximum)
    return min(limit, maximum)


def page_offset(text: str | None) -> int:
    if text is None:
        return 0
    offset = _integer("offset", text)
    if offset < 0:
        raise BadRequest(f"{offset} is less than the minimum of 0 - 'offset'")
    if offset > MAX_OFFSET:
        raise BadRequest(f"{offset} is greater than the maximum of {MAX_OFFSET} - 'offset'")
    return offset


def page(query: QueryParams, config: Config) -> Page:
    """The page a request asks for (``order_by`` still unchecked: see :func:`ordering`)."""
    return Page(
        limit=page_limit(query.get("limit"), config),
        offset=page_offset(query.get("offset")),
        order_by=query.get("order_by"),
    )


def ordering(
    order_by: str | None,
    allowed: Mapping[str, Any],
    default: str,
    tie_breaker: Sequence[ColumnElement[Any]] = (),
) -> list[ColumnElement[Any]]:
    """ORDER BY clauses for ``order_by`` (``-name`` descends), then ``tie_breaker``."""
    text = default if order_by is None else order_by
    name = text[1:] if text.startswith("-") else text
    column = allowed.get(name)
    if column is None:
        raise BadRequest(
            f"Ordering with '{name}' is disallowed or the attribute does not exist on the model"
        )
    first = column.desc() if text.startswith("-") else column.asc()
    return [first, *(c for c in tie_breaker if c is not column)]


def order_names(order_by: str | None, allowed: Collection[str], default: str) -> tuple[str, bool]:
    """``order_by`` checked against ``allowed`` names: (name, descending); absent (None)
    is ``default``, empty is a 400 like any other unknown name."""
    text = default if order_by is None else order_by
    name = text[1:] if text.startswith("-") else text
    if name not in allowed:
        raise BadRequest(
            f"Ordering with '{name}' is disallowed or the attribute does not exist on the model"
        )
    return name, text.startswith("-")


def collection(name: str, items: list[Any], total: int) -> dict[str, Any]:
    """Airflow's collection shape: ``{name: [...], "total_entries": n}``."""
    return {name: items, "total_entries": total}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PAGE_PARAMETERS: list[dict[str, Any]] = [
    _query(
        "limit",
        {"type": "integer", "default": 100, "minimum": 0},
        "Rows per page; above [api] maximum_page_limit it is lowered to it",
    ),
    _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}, "Rows to skip"),
]


def order_parameter(names: Sequence[str], default: str) -> dict[str, Any]:
    return _query(
        "order_by",
        {"type": "string", "enum": order_values(names)},
        f"A field; '-' in front sorts descending (default {default})",
    )


def order_values(names: Sequence[str]) -> list[str]:
    """What ``order_by`` accepts: each name, and each with ``-`` in front."""
    return [*names, *(f"-{name}" for name in names)]
