from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators import BashOperator, EmptyOperator, PythonOperator
from tradewind.exceptions import TaskSkipped
from tradewind.operators.bash import BashCommandFailed

START = datetime(2024, 1, 1)


def test_public_import_paths() -> None:
    from tradewind.decorators import dag, task
    from tradewind.operators.bash import BashOperator as PublicBash
    from tradewind.operators.empty import EmptyOperator as PublicEmpty
    from tradewind.operators.python import PythonOperator as PublicPython

    assert (PublicBash, PublicEmpty, PublicPython) == (BashOperator, EmptyOperator, PythonOperator)
    assert callable(dag) and callable(task)


def test_bash_streams_output_and_returns_last_line(
    run_task: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with DAG("bash", start_date=START):
        task = BashOperator(task_id="t", bash_command="echo one; echo two >&2; echo three")
    assert run_task(task) == "three"
    assert capsys.readouterr().out.splitlines() == ["one", "two", "three"]


def test_bash_failure_reports_exit_code(run_task: Callable[..., Any]) -> None:
    with DAG("bashfail", start_date=START):
        task = BashOperator(task_id="t", bash_command="exit 3")
    with pytest.raises(BashCommandFailed, match="non-zero exit code 3"):
        run_task(task)


def test_bash_exit_99_skips(run_task: Callable[..., Any]) -> None:
    with DAG("bashskip", start_date=START):
        task = BashOperator(task_id="t", bash_command="exit 99")
        other = BashOperator(task_id="u", bash_command="exit 5", skip_on_exit_code=[5, 6])
        never = BashOperator(task_id="v", bash_command="exit 99", skip_on_exit_code=None)
    with pytest.raises(TaskSkipped):
        run_task(task)
    with pytest.raises(TaskSkipped):
        run_task(other)
    with pytest.raises(BashCommandFailed):
        run_task(never)


def test_bash_env_and_cwd(run_task: Callable[..., Any], tmp_path: Any) -> None:
    os.environ["TW_TEST_OUTER"] = "outer"
    try:
        with DAG("bashenv", start_date=START):
            replace = BashOperator(
                task_id="r", bash_command='echo "${TW_TEST_OUTER:-unset} $X"', env={"X": "{{ ds }}"}
            )
            append = BashOperator(
                task_id="a",
                bash_command='echo "$TW_TEST_OUTER $X $TRADEWIND_CTX_TASK_ID"',
                env={"X": "1"},
                append_env=True,
            )
            cwd = BashOperator(task_id="c", bash_command="pwd", cwd=str(tmp_path))
        assert run_task(replace) == "unset 2024-03-05"
        assert run_task(append) == "outer 1 a"
        assert run_task(cwd) == str(tmp_path)
    finally:
        del os.environ["TW_TEST_OUTER"]


def test_bash_kills_process_group_when_interrupted(tmp_path: Any) -> None:
    with DAG("bashkill", start_date=START):
        task = BashOperator(task_id="t", bash_command="sleep 30 & echo $! > child.pid; wait")
    task.cwd = str(tmp_path)

    class Interrupt(Exception):
        pass

    def on_alarm(signum: int, frame: Any) -> None:
        raise Interrupt  # what the runner's execution_timeout handler does

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    started = time.monotonic()
    try:
        with pytest.raises(Interrupt):
            task.execute({})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10
    child_pid = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_python_operator_injects_only_named_context_keys(run_task: Callable[..., Any]) -> None:
    def report(prefix: str, ds: str, ti: Any, extra: str = "") -> str:
        return f"{prefix}:{ds}:{ti.task_id}:{extra}"

    with DAG("py", start_date=START):
        task = PythonOperator(
            task_id="t",
            python_callable=report,
            op_args=["p"],
            op_kwargs={"extra": "{{ ds_nodash }}"},
        )
    assert run_task(task) == "p:2024-03-05:t:20240305"


def test_python_operator_passes_everything_to_var_kwargs(run_task: Callable[..., Any]) -> None:
    def keys(**kwargs: Any) -> list[str]:
        return sorted(kwargs)

    with DAG("py2", start_date=START):
        task = PythonOperator(task_id="t", python_callable=keys, op_kwargs={"mine": 1})
    result = run_task(task)
    for key in (
        "ds",
        "ti",
        "params",
        "dag_run",
        "logical_date",
        "macros",
        "mine",
        "templates_dict",
    ):
        assert key in result


def test_python_operator_templates_dict(run_task: Callable[..., Any]) -> None:
    def read(templates_dict: dict[str, str]) -> str:
        return templates_dict["day"]

    with DAG("py3", start_date=START):
        task = PythonOperator(task_id="t", python_callable=read, templates_dict={"day": "{{ ds }}"})
    assert run_task(task) == "2024-03-05"


def test_empty_operator_returns_none(run_task: Callable[..., Any]) -> None:
    with DAG("empty", start_date=START):
        task = EmptyOperator(task_id="t")
    assert run_task(task) is None
