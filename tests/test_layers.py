"""The package boundaries of docs/design.md, checked by import-linter on every test run.

The contracts live in pyproject.toml (``[tool.importlinter]``): layers import downward only
(lazy imports inside functions count) and what DAG authors import never reaches the
database. A failure lists each offending import with its line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter import cli

ROOT = Path(__file__).resolve().parents[1]


def test_imports_keep_the_layers_of_the_design(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    status = cli.lint_imports(config_filename="pyproject.toml", no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert status == 0, report
    assert "Contracts: 2 kept, 0 broken." in report
