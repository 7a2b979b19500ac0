"""The package boundaries of docs/design.md, checked by import-linter on every test run.

The contracts live in pyproject.toml (``[tool.importlinter]``): layers import downward only
(lazy imports inside functions count) and what DAG authors import never reaches the
database. A failure lists each offending import with its line.

import-linter runs in a child process: it reconfigures logging, which would silence the
loggers of the tests that run after it in this process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LINT = (
    "import sys; from importlinter import cli; "
    "sys.exit(cli.lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)


def test_imports_keep_the_layers_of_the_design() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LINT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Contracts: 3 kept, 0 broken." in report
