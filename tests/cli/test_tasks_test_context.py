"""``tasks test`` renders with ``test_mode`` true and ``conf`` the configuration object;
``tasks render`` prints the rendered fields."""

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


RENDER_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

with DAG("to_render", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="bash", bash_command="echo {{ ds }} {{ task_instance_key_str }}")
    PythonOperator(task_id="py", python_callable=print, op_kwargs={"when": "{{ ds_nodash }}"})
"""


def test_tasks_render_prints_each_rendered_field(tw_env: dict[str, str], tw_home: Path) -> None:
    (tw_home / "dags" / "to_render.py").write_text(RENDER_DAG)
    outputs = []
    for args in (
        ["db", "migrate"],
        ["tasks", "render", "to_render", "bash", "2024-02-03"],
        ["tasks", "render", "to_render", "py", "2024-02-03"],
    ):
        result = subprocess.run(
            ["tradewind", *args], env=tw_env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        outputs.append(result.stdout)
    rule = "# " + "-" * 58
    assert (
        f"{rule}\n# property: bash_command\n{rule}\necho 2024-02-03 to_render__bash__20240203\n"
        in (outputs[1])
    )
    assert "# property: env\n" in outputs[1]
    assert f"# property: op_kwargs\n{rule}\n{{'when': '20240203'}}\n" in outputs[2]
