"""``tasks test`` renders with ``test_mode`` true and ``conf`` the configuration object."""

from __future__ import annotations

import subprocess
from pathlib import Path

DAG_FILE = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("ctx_in_test", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(
        task_id="show",
        bash_command="echo mode={{ test_mode }} folder={{ conf.get('core', 'dags_folder') }}",
    )
"""


def test_tasks_test_context(tw_env: dict[str, str], tw_home: Path) -> None:
    (tw_home / "dags" / "ctx_in_test.py").write_text(DAG_FILE)
    for args in (["db", "migrate"], ["tasks", "test", "ctx_in_test", "show", "2024-02-03"]):
        result = subprocess.run(
            ["tradewind", *args], env=tw_env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert f"mode=True folder={tw_home / 'dags'}" in result.stdout + result.stderr
