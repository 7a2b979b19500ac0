"""Checking the bodies and ``update_mask`` of the writes to pools, variables and connections.

Airflow checks a body against its schema before anything changes: an unknown field is a
400, and so is a required one missing. The models of ``admin_schemas.py`` say which
fields there are, so the checks and the served document cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

from tradewind.api.stable.problems import Problem
from tradewind.exceptions import AlreadyExists, BadRequest


def field_names(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def checked_fields(
    body: dict[str, Any], model: type[BaseModel], required: Iterable[str] = ()
) -> dict[str, Any]:
    """``body`` if it names only fields of ``model`` and holds every ``required`` one."""
    unknown = sorted(set(body) - field_names(model))
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(unknown)}")
    missing = sorted(set(required) - set(body))
    if missing:
        raise BadRequest(f"Missing required property(ies): {missing}")
    return body


def masked(body: dict[str, Any], mask: Sequence[str], allowed: Iterable[str]) -> dict[str, Any]:
    """The fields of ``body`` that ``mask`` names; a name it cannot update, or one the body
    lacks, is a 400 (Airflow's words)."""
    allowed = set(allowed)
    for name in mask:
        if name not in allowed or name not in body:
            raise BadRequest(f"'{name}' is unknown or cannot be updated.")
    return {name: body[name] for name in mask}


def mask_parameter(allowed: Iterable[str]) -> dict[str, Any]:
    return {
        "name": "update_mask",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": {"type": "string", "enum": list(allowed)}},
        "description": "The fields of the body to apply; without it, the whole body",
    }


@contextmanager
def conflict() -> Iterator[None]:
    """An object that exists already is Airflow's 409 ``AlreadyExists``."""
    try:
        yield
    except AlreadyExists as exc:
        raise Problem(409, str(exc), title="Already exists") from None


def order_parameter(names: Iterable[str], default: str) -> dict[str, Any]:
    """``order_by`` as an enum of the names a list sorts by, each also with ``-`` in front
    (descending), so the document names exactly what is accepted."""
    names = list(names)
    return {
        "name": "order_by",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": [*names, *(f"-{name}" for name in names)]},
        "description": f"Sort by this attribute ('-' in front: descending; default {default})",
    }
