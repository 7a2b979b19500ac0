"""The one table printer every listing command (dags, runs, pools, users) uses."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from tradewind.cli.tables import echo_rows, format_table


def test_columns_are_padded_to_the_widest_cell() -> None:
    rows = [{"pool": "default_pool", "slots": 128}, {"pool": "gpu", "slots": None}]
    assert format_table(rows, ["pool", "slots"]).splitlines() == [
        "pool         | slots",
        "-------------+------",
        "default_pool | 128",
        "gpu          |",
    ]


def test_a_multi_line_value_shows_its_first_line() -> None:
    rows = [{"filename": "a.py", "error": "SyntaxError: bad\n  line 3\n    ^"}]
    assert format_table(rows, ["filename", "error"]).splitlines()[-1] == (
        "a.py     | SyntaxError: bad"
    )


def _run(
    rows: list[dict[str, object]], output: str = "table", when_empty: str | None = None
) -> str:
    @click.command()
    def show() -> None:
        echo_rows(rows, ["name"], output=output, when_empty=when_empty)

    result = CliRunner().invoke(show)
    assert result.exit_code == 0, result.output
    return result.output


def test_json_output_is_the_rows_as_they_are() -> None:
    rows: list[dict[str, object]] = [{"name": "a", "extra": [1, 2]}]
    assert json.loads(_run(rows, output="json")) == rows


def test_no_rows_says_so_when_the_command_has_a_sentence_for_it() -> None:
    assert _run([], when_empty="No users.") == "No users.\n"
    assert _run([]) == "name\n----\n"  # a header alone otherwise
