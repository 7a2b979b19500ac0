"""What Airflow's own example DAGs need beyond the big features: ``pre_execute`` /
``post_execute`` hooks, branching from another interpreter, ``orientation``, and the
sub-DAG factory they import from ``airflow.example_dags``. Run by ``dags test`` with compat
on, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tradewind.authoring.dag import DAG
from tradewind.config import Config
from tradewind.exceptions import DagDefinitionError

EXTRAS_DAG = """
import sys
import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchExternalPythonOperator, PythonOperator
from airflow.operators.subdag import SubDagOperator
from airflow.example_dags.subdags.subdag import subdag
from airflow.utils.trigger_rule import TriggerRule

MARKS = {marks!r}

def mark(name):
    def write(*args):
        with open(MARKS + "/" + name, "w") as out:
            out.write(repr(args[1]) if len(args) > 1 else "called")
    return write

def choose():
    return "chosen"

START = pendulum.datetime(2024, 1, 1, tz="UTC")

with DAG("extras", start_date=START, schedule=None, orientation="TB",
         default_args={{"start_date": START}}) as dag:
    hooked = BashOperator(task_id="hooked", bash_command="echo 42",
                          pre_execute=mark("pre"), post_execute=mark("post"))
    branch = BranchExternalPythonOperator(task_id="branch", python=sys.executable,
                                          python_callable=choose)
    chosen = EmptyOperator(task_id="chosen")
    left_out = EmptyOperator(task_id="left_out")

    @task.branch_external_python(python=sys.executable)
    def pick():
        return "picked"

    picked = EmptyOperator(task_id="picked")
    dropped = EmptyOperator(task_id="dropped")
    section = SubDagOperator(task_id="section-1",
                             subdag=subdag("extras", "section-1", dag.default_args))
    done = EmptyOperator(task_id="done", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    hooked >> branch >> [chosen, left_out] >> done
    hooked >> pick() >> [picked, dropped] >> done
    done >> section
"""


def _dags_test(env: dict[str, str], dag_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tradewind.cli import main; main()", "dags", "test", dag_id],
        env={**env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_hooks_branches_from_another_python_and_the_subdag_factory(
    db_config: Config, db_env: dict[str, str], tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    (db_config.dags_folder / "extras.py").write_text(EXTRAS_DAG.format(marks=str(marks)))
    ran = _dags_test(db_env, "extras")
    out = ran.stdout + ran.stderr
    assert ran.returncode == 0, out
    assert (marks / "pre").read_text() == "called"
    assert (marks / "post").read_text() == "'42'"  # post_execute sees what execute returned
    for task_id, state in [
        ("chosen", "success"),
        ("left_out", "skipped"),
        ("picked", "success"),
        ("dropped", "skipped"),
        ("section-1.section-1-task-5", "success"),
    ]:
        assert f"\n  {task_id}: {state}\n" in out, out  # the run's summary
    assert "orientation" in out  # the parse warning: the graph is drawn left to right


def test_bad_orientation_and_hooks_are_refused_by_name() -> None:
    with pytest.raises(DagDefinitionError, match=r"orientation .* must be one of LR, TB, RL, BT"):
        DAG("sideways", schedule=None, orientation="diagonal")
    from tradewind.operators.empty import EmptyOperator

    with DAG("hooks", schedule=None), pytest.raises(DagDefinitionError, match="pre_execute"):
        EmptyOperator(task_id="t", pre_execute="not callable")
