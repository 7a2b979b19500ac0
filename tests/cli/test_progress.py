"""Long CLI work shows progress on stderr (issue 17): ``dags backfill`` runs done / total
with the time left, ``db migrate`` each migration. On a terminal it is click's progress
bar; piped, plain lines, and stdout holds only the results either way."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

DAG_SOURCE = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.empty import EmptyOperator

with DAG("progress_dag", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    EmptyOperator(task_id="only")
"""
COMMAND = [sys.executable, "-c", "from tradewind.cli import main; main()"]
BACKFILL = ["dags", "backfill", "progress_dag", "-s", "2024-02-01", "-e", "2024-02-03"]


def _piped(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], env=env, capture_output=True, text=True, timeout=120)


def _on_a_terminal(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, what was written to the terminal that is its stderr)."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [*COMMAND, *args], env=env, stdout=subprocess.PIPE, stderr=follower, text=True
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        stdout = process.stdout.read() if process.stdout else ""
        return process.wait(120), stdout, seen.decode(errors="replace")
    finally:
        os.close(leader)


@pytest.fixture
def home(tw_env: dict[str, str], tw_home: Path) -> dict[str, str]:
    (tw_home / "dags" / "progress_dag.py").write_text(DAG_SOURCE)
    return tw_env


def test_piped_output_is_plain_lines(home: dict[str, str]) -> None:
    migrated = _piped(home, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    lines = migrated.stderr.splitlines()
    migrations = sorted(
        Path(__file__).parents[2].glob("src/tradewind/db/migrations/versions/0*.py")
    )
    total = len(migrations)
    assert [line.split(" (", 1)[0] for line in lines] == [
        f"Migrating: {n}/{total} migrations done" for n in range(1, total + 1)
    ]
    assert "(0001 initial schema)" in lines[0]
    assert "\r" not in migrated.stderr and "\x1b" not in migrated.stderr
    assert migrated.stdout.startswith("Database at ")
    again = _piped(home, "db", "migrate")
    assert again.returncode == 0 and "Migrating" not in again.stderr  # nothing to apply

    assert _piped(home, "dags", "reserialize").returncode == 0
    backfill = _piped(home, *BACKFILL)
    assert backfill.returncode == 0, backfill.stderr
    progress = [line for line in backfill.stderr.splitlines() if line.startswith("Backfilling")]
    assert [line.split(" (", 1)[0] for line in progress] == [
        f"Backfilling progress_dag: {n}/3 runs done" for n in (1, 2, 3)
    ]
    assert progress[0].endswith("left") and not progress[-1].endswith("left")
    assert "(backfill__2024-02-01T00:00:00+00:00: success)" in progress[0]
    assert "\r" not in backfill.stderr and "\x1b" not in backfill.stderr
    # Stdout is still the results alone, one line per run.
    assert backfill.stdout.splitlines() == [
        f"backfill__2024-02-0{day}T00:00:00+00:00: success" for day in (1, 2, 3)
    ]


def test_a_terminal_gets_a_progress_bar(home: dict[str, str]) -> None:
    code, stdout, terminal = _on_a_terminal(home, "db", "migrate")
    assert code == 0, terminal
    assert "Migrating  [" in terminal and "\r" in terminal  # one line, redrawn
    assert "0001 initial schema" in terminal
    assert stdout.startswith("Database at ")

    assert _piped(home, "dags", "reserialize").returncode == 0
    code, stdout, terminal = _on_a_terminal(home, *BACKFILL)
    assert code == 0, terminal
    assert "Backfilling progress_dag  [" in terminal and "3/3" in terminal
    assert "Backfilling progress_dag:" not in terminal  # not the plain lines
    assert len(stdout.splitlines()) == 3
