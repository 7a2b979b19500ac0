"""``tradewind dags test``: a whole run here and now, each task's log on the terminal, the run
recorded; exit code 1 when the run fails. Runs on SQLite and PostgreSQL, no scheduler."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from tradewind.config import Config
from tradewind.db.engine import Database

GOOD_DAG = """
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

def show(**context):
    print(f"conf says {context['dag_run'].conf.get('who')}")
    return 3

def flaky(ti):
    if ti.try_number == 1:
        raise RuntimeError("first try fails")
    print("second try works")

with DAG("good_dag", start_date=datetime(2024, 1, 1), schedule="@daily",
         max_active_runs=1) as dag:
    first = PythonOperator(task_id="first", python_callable=show)
    second = BashOperator(task_id="second", bash_command="echo second sees {{ ds }}")
    retried = PythonOperator(task_id="flaky", python_callable=flaky, retries=1,
                             retry_delay=timedelta(seconds=1))
    first >> [second, retried]
"""

BAD_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def explode():
    raise RuntimeError("the wheel came off")

with DAG("bad_dag", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    boom = PythonOperator(task_id="boom", python_callable=explode)
    after = PythonOperator(task_id="after", python_callable=lambda: print("never"))
    cleanup = PythonOperator(
        task_id="cleanup", python_callable=lambda: print("cleaning up"), trigger_rule="all_done"
    )
    boom >> [after, cleanup]  # a failed leaf (after) fails the run
"""

SLOW_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator

with DAG("slow_dag", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="sleepy", bash_command="echo sleeping now; sleep 120") >> BashOperator(
        task_id="later", bash_command="echo later")
"""

AIRFLOW_DAG = """
import sys
import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator
from airflow.operators.python import ExternalPythonOperator
from airflow.providers.standard.operators.python import PythonVirtualenvOperator

def where():
    import sys
    print(f"running in {sys.prefix}")

with DAG("airflow_dag", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         schedule_interval=None) as dag:
    @task
    def make():
        print("making 21")
        return 21

    @task
    def double(x):
        print(f"doubled is {x * 2}")

    @task.virtualenv(venv_cache_path="@CACHE@", system_site_packages=False)
    def in_venv(x):
        return x + 1

    @task.external_python(python=sys.executable)
    def outside(x):
        print(f"outside got {x}")

    double(make()) >> BashOperator(task_id="bash", bash_command="echo airflow bash ran")
    outside(in_venv(make()))
    ExternalPythonOperator(task_id="ext", python=sys.executable, python_callable=where)
    PythonVirtualenvOperator(task_id="venv", python_callable=where, venv_cache_path="@CACHE@")
"""


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tradewind.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def dag_env(db_config: Config, database: Database, db_env: dict[str, str]) -> dict[str, str]:
    (db_config.dags_folder / "good_dag.py").write_text(GOOD_DAG)
    (db_config.dags_folder / "bad_dag.py").write_text(BAD_DAG)
    return db_env


def test_a_good_run_prints_each_task_and_is_recorded(
    dag_env: dict[str, str], db_config: Config, database: Database
) -> None:
    _a_run_stuck_running(db_config, database, "good_dag")  # max_active_runs=1 is reached
    ran = _cli(dag_env, "dags", "test", "good_dag", "2024-03-01", "--conf", '{"who": "ada"}')
    assert ran.returncode == 0, ran.stdout + ran.stderr
    out = ran.stdout
    assert "conf says ada" in out
    assert "second sees 2024-03-01" in out
    assert out.index("--- first (try 1): success") < out.index("--- second (try 1): success")
    # A retry waits its retry_delay, as in a scheduled run; both tries' logs are shown.
    assert out.index("--- flaky (try 1): up_for_retry") < out.index("--- flaky (try 2): success")
    assert "RuntimeError: first try fails" in out and "second try works" in out
    assert "Run manual__2024-03-01T00:00:00+00:00 of good_dag: success" in out

    listed = _cli(dag_env, "dags", "list-runs", "good_dag", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)
    assert [(r["run_id"], r["state"]) for r in runs] == [
        ("stuck", "running"),
        ("manual__2024-03-01T00:00:00+00:00", "success"),
    ]
    state = _cli(dag_env, "tasks", "state", "good_dag", "second", runs[1]["run_id"])
    assert state.stdout.strip() == "success"

    # Testing the same date again replaces the run rather than refusing a duplicate.
    again = _cli(dag_env, "dags", "test", "good_dag", "2024-03-01")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "conf says None" in again.stdout
    assert len(json.loads(_cli(dag_env, "dags", "list-runs", "good_dag", "-o", "json").stdout)) == 2


def _a_run_stuck_running(config: Config, database: Database, dag_id: str) -> None:
    """A run some scheduler left running (it died): the DAG's one active run."""
    from sqlalchemy import update

    from tradewind.dagfiles.sync import sync_dag_folder
    from tradewind.db.models import DagRun
    from tradewind.operations.dag_runs import trigger_dag

    sync_dag_folder(config, database)
    trigger_dag(database, dag_id, run_id="stuck", execution_date="2024-01-01", actor="t")
    with database.session() as session:
        session.execute(update(DagRun).where(DagRun.run_id == "stuck").values(state="running"))


def test_a_failing_run_exits_1_with_the_error_and_honours_trigger_rules(
    dag_env: dict[str, str],
) -> None:
    ran = _cli(dag_env, "dags", "test", "bad_dag")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    out = ran.stdout
    assert "RuntimeError: the wheel came off" in out
    assert "cleaning up" in out  # all_done runs after the failure
    assert "never" not in out
    assert "after: upstream_failed" in out
    assert "of bad_dag: failed" in out


def test_ctrl_c_stops_the_tries_and_fails_the_run(
    db_config: Config, database: Database, db_env: dict[str, str]
) -> None:
    (db_config.dags_folder / "slow_dag.py").write_text(SLOW_DAG)
    env = {**db_env, "TRADEWIND__CORE__SHUTDOWN_GRACE": "2"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from tradewind.cli import main; main()",
            "dags",
            "test",
            "slow_dag",
            "2024-04-04",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # the try's output shows while it runs, not when it ends
        seen.append(line)
        if "sleeping now" in line:
            break
    assert any("--- sleepy (try 1) ---" in line for line in seen), seen
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    out = "".join(seen) + rest
    assert proc.returncode == 1, out + err
    assert "Interrupted" in out and "of slow_dag: failed" in out
    assert "--- sleepy (try 1): failed ---" in out
    runs = json.loads(_cli(db_env, "dags", "list-runs", "slow_dag", "-o", "json").stdout)
    assert [r["state"] for r in runs] == ["failed"]


def test_tasks_matching_mark_success_pattern_are_recorded_unrun(dag_env: dict[str, str]) -> None:
    ran = _cli(dag_env, "dags", "test", "bad_dag", "--mark-success-pattern", "^bo+m$")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    out = ran.stdout
    assert "wheel came off" not in out
    assert "Marked success without running: boom matches --mark-success-pattern" in out
    assert "never" in out and "cleaning up" in out  # downstream ran after it as usual
    assert "of bad_dag: success" in out
    bad = _cli(dag_env, "dags", "test", "bad_dag", "--mark-success-pattern", "(")
    assert bad.returncode == 1 and "'(' is not a regular expression" in bad.stderr


def test_unsupported_options_and_bad_input_are_refused(dag_env: dict[str, str]) -> None:
    shown = _cli(dag_env, "dags", "test", "good_dag", "--show-dagrun")
    assert shown.returncode == 2 and "--show-dagrun" in shown.stderr
    bad_conf = _cli(dag_env, "dags", "test", "good_dag", "-c", "[1]")
    assert bad_conf.returncode == 1 and "conf" in bad_conf.stderr.lower()
    bad_date = _cli(dag_env, "dags", "test", "good_dag", "tomorrowish")
    assert bad_date.returncode == 1 and "'tomorrowish' is not a date" in bad_date.stderr
    missing = _cli(dag_env, "dags", "test", "no_such_dag")
    assert missing.returncode == 1 and "no_such_dag" in missing.stderr


def test_an_airflow_dag_runs_with_compat_on(
    db_config: Config, database: Database, db_env: dict[str, str]
) -> None:
    pytest.importorskip("pendulum")
    cache = db_config.dags_folder.parent / "venvs"
    (db_config.dags_folder / "airflow_dag.py").write_text(
        AIRFLOW_DAG.replace("@CACHE@", str(cache))
    )
    env = {**db_env, "TRADEWIND__CORE__AIRFLOW_COMPAT": "True"}
    ran = _cli(env, "dags", "test", "airflow_dag", "2024-02-02T06:00:00")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "making 21" in ran.stdout and "doubled is 42" in ran.stdout
    assert "airflow bash ran" in ran.stdout
    assert "outside got 22" in ran.stdout  # make() -> @task.virtualenv -> @task.external_python
    assert f"running in {sys.prefix}" in ran.stdout  # ExternalPythonOperator
    assert f"running in {cache}" in ran.stdout  # PythonVirtualenvOperator
    assert "of airflow_dag: success" in ran.stdout


SENSOR_DAG = """
import os
from datetime import datetime
from tradewind import DAG
from tradewind.sensors import PythonSensor

def second_time(ti):
    marker = os.path.join(os.path.dirname(ti.task.dag.fileloc), "poked_once")
    if os.path.exists(marker):
        return True
    open(marker, "w").close()
    print("not yet")
    return False

with DAG("sensor_dag", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonSensor(task_id="waits", python_callable=second_time, mode="reschedule",
                 poke_interval=0.2)
"""


def test_a_rescheduled_sensor_is_one_try_in_dags_test(
    db_config: Config, database: Database, db_env: dict[str, str]
) -> None:
    (db_config.dags_folder / "sensor_dag.py").write_text(SENSOR_DAG)
    ran = _cli(db_env, "dags", "test", "sensor_dag", "2024-03-01")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "--- waits (try 1): success" in ran.stdout
    assert "(try 2)" not in ran.stdout
    assert "not yet" in ran.stdout and "Rescheduling the task" in ran.stdout


DEFERRING_DAG = """
import os
from datetime import datetime, timedelta
from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.sensors import FileSensor, TimeDeltaSensor

with DAG("deferring_dag", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    wait = TimeDeltaSensor(task_id="wait", delta=timedelta(seconds=1), deferrable=True)
    landed = FileSensor(task_id="landed", filepath="@FLAG@", deferrable=True,
                        poke_interval=0.2)
    wait >> BashOperator(task_id="drop", bash_command="touch @FLAG@")
    landed >> BashOperator(task_id="after", bash_command="echo the file landed")
"""


def test_dags_test_runs_deferred_tasks_triggers_itself(
    db_config: Config, database: Database, db_env: dict[str, str]
) -> None:
    from sqlalchemy import select

    from tradewind.db.models import Job

    flag = db_config.dags_folder.parent / "landed.flag"
    source = DEFERRING_DAG.replace("@FLAG@", str(flag))
    (db_config.dags_folder / "deferring_dag.py").write_text(source)
    ran = _cli(db_env, "dags", "test", "deferring_dag", "2024-03-01")  # no triggerer running
    assert ran.returncode == 0, ran.stdout + ran.stderr
    out = ran.stdout
    # Each deferred, its trigger ran in the dags test process, and it resumed: one try.
    for task_id in ("wait", "landed"):
        assert f"--- {task_id} (try 1): success" in out
    assert out.count("Pausing task as DEFERRED") == 2 and "(try 2)" not in out
    assert "the file landed" in out
    with database.session() as session:
        states = session.scalars(select(Job.state).where(Job.job_type == "TriggererJob")).all()
    assert states == ["success"]  # its triggerer stopped with the run
