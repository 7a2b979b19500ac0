"""``tasks render --stored`` prints what a recorded try of a run rendered (issue 17): the
fields kept when the try ran, secrets masked, unchanged by a later edit of the DAG file;
without ``--stored`` the command still renders the DAG file's templates now."""

from __future__ import annotations

import subprocess
from pathlib import Path

DAG_FILE = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("stored_render", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="greet", bash_command="echo @WORD@ {{ var.value.api_token }} {{ ds }}")
"""
RULE = "# " + "-" * 58


def _tradewind(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tradewind", *args], env=env, capture_output=True, text=True, timeout=180
    )


def test_stored_fields_are_the_trys_and_outlive_a_dag_change(
    tw_env: dict[str, str], tw_home: Path
) -> None:
    dag_file = tw_home / "dags" / "stored_render.py"
    dag_file.write_text(DAG_FILE.replace("@WORD@", "before"))
    for args in (
        ["db", "migrate"],
        ["variables", "set", "api_token", "tok-secret-42"],
        ["dags", "test", "stored_render", "2024-02-03"],
    ):
        result = _tradewind(tw_env, *args)
        assert result.returncode == 0, (args, result.stdout, result.stderr)

    dag_file.write_text(DAG_FILE.replace("@WORD@", "after"))
    stored = _tradewind(
        tw_env, "tasks", "render", "stored_render", "greet", "2024-02-03", "--stored"
    )
    assert stored.returncode == 0, stored.stderr
    assert "# as try 1 of run manual__2024-02-03T00:00:00+00:00 rendered them" in stored.stdout
    assert (
        f"{RULE}\n# property: bash_command\n{RULE}\necho before *** 2024-02-03\n" in stored.stdout
    )
    assert "tok-secret-42" not in stored.stdout

    by_run_id = _tradewind(
        tw_env, "tasks", "render", "stored_render", "greet",
        "manual__2024-02-03T00:00:00+00:00", "--try-number", "1",
    )  # fmt: skip
    assert by_run_id.returncode == 0, by_run_id.stderr
    assert "echo before *** 2024-02-03" in by_run_id.stdout

    live = _tradewind(tw_env, "tasks", "render", "stored_render", "greet", "2024-02-03")
    assert live.returncode == 0, live.stderr
    assert "echo after" in live.stdout  # rendering now reads today's DAG file

    missing = _tradewind(
        tw_env, "tasks", "render", "stored_render", "greet", "2024-02-03", "--try-number", "3"
    )
    assert missing.returncode != 0
    assert "there is no try 3" in missing.stderr
