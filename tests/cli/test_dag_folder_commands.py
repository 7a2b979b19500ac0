"""`dags list/show/report/...` and `tasks list/test`, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tradewind import example_dags

OWN_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.bash import BashOperator

with DAG("my_first_dag", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False,
         default_args={"owner": "ana"}) as dag:
    hello = BashOperator(task_id="say_hello", bash_command="echo hello from {{ ds }}")

    @task
    def double(value):
        print(f"double got {value!r}")
        return None if value is None else value * 2

    @task
    def produce():
        return 21

    hello >> double(produce())

    fails = BashOperator(task_id="fails", bash_command="echo about to fail; exit 3")
"""


def tradewind(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tradewind", *args], env=env, capture_output=True, text=True, timeout=120
    )


def ok(env: dict[str, str], *args: str) -> str:
    result = tradewind(env, *args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


@pytest.fixture
def newcomer_env(tw_env: dict[str, str], tw_home: Path) -> dict[str, str]:
    """A fresh SQLite home with the examples on, one DAG file of ours and a broken one."""
    env = {**tw_env, "TRADEWIND__CORE__LOAD_EXAMPLES": "True"}
    (tw_home / "dags" / "my_first_dag.py").write_text(OWN_DAG)
    (tw_home / "dags" / "broken.py").write_text("from tradewind import DAG\nimport nonexistent\n")
    ok(env, "db", "migrate")
    return env


def test_dags_list_shows_examples_own_dag_and_import_errors(
    newcomer_env: dict[str, str], tw_home: Path
) -> None:
    listed = tradewind(newcomer_env, "dags", "list")
    assert listed.returncode == 0, listed.stderr
    for dag_id in ["example_bash_operator", "example_taskflow", "my_first_dag"]:
        assert dag_id in listed.stdout
    assert "1 DAG file failed to import" in listed.stderr

    rows = json.loads(ok(newcomer_env, "dags", "list", "--output", "json"))
    mine = next(row for row in rows if row["dag_id"] == "my_first_dag")
    assert mine["fileloc"] == str(tw_home / "dags" / "my_first_dag.py")
    assert (mine["owners"], mine["is_paused"], mine["schedule"]) == ("ana", True, "0 0 * * *")

    errors = ok(newcomer_env, "dags", "list-import-errors")
    assert str(tw_home / "dags" / "broken.py") in errors
    assert "No module named 'nonexistent'" in errors
    as_json = json.loads(ok(newcomer_env, "dags", "list-import-errors", "-o", "json"))
    assert [Path(error["filename"]).name for error in as_json] == ["broken.py"]
    assert "Traceback" in as_json[0]["stacktrace"]


def test_show_report_tasks_list_and_reserialize(newcomer_env: dict[str, str]) -> None:
    shown = ok(newcomer_env, "dags", "show", "my_first_dag")
    assert "say_hello >> double" in shown and "produce >> double" in shown

    tree = ok(newcomer_env, "tasks", "list", "my_first_dag", "--tree")
    lines = tree.splitlines()
    hello = lines.index("<Task(BashOperator): say_hello>")
    assert lines[hello + 1].startswith("    <Task(") and lines[hello + 1].endswith("): double>")
    assert sorted(ok(newcomer_env, "tasks", "list", "my_first_dag").split()) == [
        "double",
        "fails",
        "produce",
        "say_hello",
    ]

    report = ok(newcomer_env, "dags", "report")
    line = next(line for line in report.splitlines() if "my_first_dag.py" in line)
    assert [cell.strip() for cell in line.split("|")][2:] == ["1", "4", "my_first_dag", "0"]

    # One DAG per shipped example, plus my_first_dag; the broken file makes one file more.
    examples = len(list(Path(example_dags.__file__).parent.glob("example_*.py")))
    reserialized = f"Re-serialized {examples + 1} DAGs from {examples + 2} files"
    assert reserialized in ok(newcomer_env, "dags", "reserialize")


def test_tasks_test_runs_bash_and_taskflow_tasks(newcomer_env: dict[str, str]) -> None:
    bash = ok(newcomer_env, "tasks", "test", "my_first_dag", "say_hello", "2024-02-03")
    assert "hello from 2024-02-03" in bash

    # The upstream XCom does not exist in test mode: the pulled value is None.
    taskflow = ok(newcomer_env, "tasks", "test", "my_first_dag", "double")
    assert "double got None" in taskflow

    example = ok(newcomer_env, "tasks", "test", "example_taskflow", "extract")
    assert "Returned value: {'1001': 301.27" in example

    # Nothing was recorded: the DAG still has no runs to show, and state commands are not
    # involved; running the same test again works the same way.
    assert "hello from 2024-02-03" in ok(
        newcomer_env, "tasks", "test", "my_first_dag", "say_hello", "2024-02-03"
    )


def test_tasks_test_failure_and_unknown_names(newcomer_env: dict[str, str]) -> None:
    failed = tradewind(newcomer_env, "tasks", "test", "my_first_dag", "fails")
    assert failed.returncode == 1
    assert "about to fail" in failed.stdout
    assert "Error: Task 'fails' of DAG 'my_first_dag' failed" in failed.stderr
    assert "exit code 3" in failed.stderr
    assert "Traceback" not in failed.stderr

    unknown = tradewind(newcomer_env, "tasks", "test", "no_such_dag", "x")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("Error: DAG 'no_such_dag' not found")
    missing_task = tradewind(newcomer_env, "tasks", "test", "my_first_dag", "nope")
    assert missing_task.returncode == 1 and "task 'nope' not found" in missing_task.stderr
    bad_date = tradewind(newcomer_env, "tasks", "test", "my_first_dag", "say_hello", "someday")
    assert bad_date.returncode == 1 and "'someday' is not a date" in bad_date.stderr
    shown = tradewind(newcomer_env, "dags", "show", "no_such_dag")
    assert shown.returncode == 1 and "Traceback" not in shown.stderr


def test_dags_list_on_each_database(db_env: dict[str, str], tw_home: Path) -> None:
    (tw_home / "dags" / "my_first_dag.py").write_text(OWN_DAG)
    listed = json.loads(ok(db_env, "dags", "list", "-o", "json"))
    assert [row["dag_id"] for row in listed] == ["my_first_dag"]
    (tw_home / "dags" / "my_first_dag.py").unlink()
    assert "No data found." in ok(db_env, "dags", "list")


CONTEXT_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.python import get_current_context

with DAG("fetches_context", schedule=None, start_date=datetime(2024, 1, 1)) as dag:

    @task
    def report():
        context = get_current_context()
        print(f"context says {context['ti'].task_id} on {context['ds']}")

    report()
"""


def test_tasks_test_gives_get_current_context_the_tested_task(
    newcomer_env: dict[str, str], tw_home: Path
) -> None:
    (tw_home / "dags" / "fetches_context.py").write_text(CONTEXT_DAG)
    out = ok(newcomer_env, "tasks", "test", "fetches_context", "report", "2024-02-03")
    assert "context says report on 2024-02-03" in out
