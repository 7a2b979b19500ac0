"""Validation of DAG and task ids.

Ids end up in URLs, log paths and database keys, so only a safe character set is allowed;
checking at definition time gives the user an error pointing at the id they wrote rather
than a failure far away in the scheduler or the web UI.
"""

from __future__ import annotations

import re

from tradewind.exceptions import DagDefinitionError

MAX_ID_LENGTH = 250
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]+$")
# Ids become path segments of log folders and URLs, where these two mean "here" and "up".
_PATH_NAMES = frozenset({".", ".."})


def validate_id(value: object, *, kind: str, where: str = "") -> str:
    """Return ``value`` if it is a valid ``kind`` id ("dag_id"/"task_id"), else raise.

    ``where`` is appended to the message (e.g. " in DAG 'x' (file.py)") so the user can find
    the offending definition.
    """
    if not isinstance(value, str):
        raise DagDefinitionError(
            f"{kind} must be a string, got {type(value).__name__} {value!r}{where}"
        )
    if len(value) > MAX_ID_LENGTH:
        raise DagDefinitionError(
            f"{kind} {value[:40]!r}... is {len(value)} characters long; "
            f"the maximum is {MAX_ID_LENGTH}{where}"
        )
    if not _ID_PATTERN.match(value):
        raise DagDefinitionError(
            f"{kind} {value!r} is invalid: it may only contain letters, digits, "
            f"underscores, dots and dashes{where}"
        )
    if value in _PATH_NAMES:
        raise DagDefinitionError(
            f"{kind} {value!r} is invalid: '.' and '..' name folders in paths and URLs; "
            f"use a word{where}"
        )
    return value
