"""How listing commands print rows: JSON for scripts, an aligned plain table for people."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import click


def echo_rows(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    output: str = "table",
    when_empty: str | None = None,
) -> None:
    """Print ``rows`` as JSON (``--output json``) or as a table of ``columns``.

    ``when_empty`` is said instead of a table with no rows, where a header alone would
    leave the reader wondering whether the command worked.
    """
    if output == "json":
        click.echo(json.dumps(list(rows), indent=2, default=str))
    elif not rows and when_empty is not None:
        click.echo(when_empty)
    else:
        click.echo(format_table(rows, columns))


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Columns padded to their widest cell; a multi-line value shows its first line only."""
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [
        max([len(column)] + [len(line[index]) for line in cells])
        for index, column in enumerate(columns)
    ]
    lines = [
        _join(columns, widths),
        "-+-".join("-" * width for width in widths),
        *(_join(line, widths) for line in cells),
    ]
    return "\n".join(lines)


def _join(values: Sequence[str], widths: Sequence[int]) -> str:
    return " | ".join(
        value.ljust(width) for value, width in zip(values, widths, strict=True)
    ).rstrip()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text.splitlines()[0] if text else text
