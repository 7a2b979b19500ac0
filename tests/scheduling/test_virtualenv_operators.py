"""PythonVirtualenvOperator, ExternalPythonOperator and their TaskFlow decorators under a
real scheduler: a real virtualenv with a requirement installed from PyPI, built once and
reused from its cache, the return value as XCom, the function's output in the try's log,
a failing function failing its try with its error in the log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.scheduling.harness import Harness
from tradewind.db.models import XCom

VENV_DAG = """
import sys
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task
from tradewind.operators.python import PythonVirtualenvOperator

def table(rows, ds):
    import sys
    import tabulate
    print(f"tabulating in {sys.prefix}")
    return tabulate.tabulate(rows, tablefmt="plain") + f" @ {ds}"

with DAG("venv_dag", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    made = PythonVirtualenvOperator(
        task_id="table",
        python_callable=table,
        requirements=["tabulate==0.9.0"],
        system_site_packages=False,
        op_args=[[["a", 1]]],
        venv_cache_path="@CACHE@",
    )

    @task.external_python(python=sys.executable)
    def measure(text: str) -> dict:
        import sys
        print("measuring", repr(text))
        return {"length": len(text), "python": sys.executable}

    measure(made.output)
"""

FAILING_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task

with DAG("venv_fails", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    @task.virtualenv(venv_cache_path="@CACHE@", system_site_packages=False)
    def broken(n):
        print("about to fail")
        raise ValueError(f"bad input {n}")

    @task.virtualenv(venv_cache_path="@CACHE@", system_site_packages=False, skip_on_exit_code=3)
    def skipper():
        import sys
        sys.exit(3)

    broken(42)
    skipper()
"""


@pytest.fixture(scope="module")
def venv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module: the PostgreSQL run reuses what the SQLite run built."""
    return tmp_path_factory.mktemp("venv_cache")


def _add(h: Harness, name: str, source: str, cache: Path) -> None:
    h.add_dag(name, source.replace("@CACHE@", str(cache)))


def _xcoms(h: Harness, dag_id: str, run_id: str) -> dict[tuple[str, str], object]:
    with h.db.session() as session:
        rows = session.scalars(select(XCom).where(XCom.dag_id == dag_id, XCom.run_id == run_id))
        return {(row.task_id, row.key): row.value for row in rows}


def _seconds(h: Harness, dag_id: str, run_id: str, task_id: str) -> float:
    ti = h.tis(dag_id, run_id)[task_id]
    assert ti.start_date is not None and ti.end_date is not None
    return (ti.end_date - ti.start_date).total_seconds()


@pytest.mark.slow
def test_a_virtualenv_is_built_once_and_values_flow_as_xcom(
    harness: Harness, venv_cache: Path
) -> None:
    import sys

    h = harness
    _add(h, "venv_dag", VENV_DAG, venv_cache)
    h.sync()
    h.start()
    first = h.trigger("venv_dag", run_id="first")
    assert h.wait_run("venv_dag", first, timeout=240) == "success", h.states("venv_dag", first)
    second = h.trigger("venv_dag", run_id="second")
    assert h.wait_run("venv_dag", second, timeout=120) == "success", h.states("venv_dag", second)

    for run_id in (first, second):
        xcoms = _xcoms(h, "venv_dag", run_id)
        text = xcoms[("table", "return_value")]
        assert isinstance(text, str) and text.startswith("a  1 @ "), text
        assert xcoms[("measure", "length")] == len(text)
        assert xcoms[("measure", "python")] == sys.executable
        log = h.try_log("venv_dag", run_id, "table")
        assert f"tabulating in {venv_cache}" in log
        assert "Done. Returned value was: 'a  1 @ " in log
        assert "measuring 'a  1 @ " in h.try_log("venv_dag", run_id, "measure")

    built, reused = (h.try_log("venv_dag", r, "table") for r in (first, second))
    # The SQLite run of this module builds the virtualenv; every later run reuses it.
    assert "Reusing the cached virtualenv" in reused and "Creating a virtualenv" not in reused
    assert len(list(venv_cache.glob("venv-*/bin/python"))) == 1
    timings = [_seconds(h, "venv_dag", r, "table") for r in (first, second)]
    print(
        f"\nvirtualenv task: first run {timings[0]:.2f}s "
        f"({'built' if 'Creating a virtualenv' in built else 'reused'}), "
        f"second run {timings[1]:.2f}s (cache reused)"
    )


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failing_function_fails_its_try_with_the_error_in_the_log(
    harness: Harness, venv_cache: Path
) -> None:
    h = harness
    _add(h, "venv_fails", FAILING_DAG, venv_cache)
    h.sync()
    h.start()
    run_id = h.trigger("venv_fails", run_id="fails")
    assert h.wait_run("venv_fails", run_id, timeout=120) == "failed"
    assert h.states("venv_fails", run_id) == {"broken": "failed", "skipper": "skipped"}
    log = h.try_log("venv_fails", run_id, "broken")
    assert "about to fail" in log
    # The traceback points at the DAG file's own line, not at a generated script.
    assert 'venv_fails.py", line 10, in broken' in log
    assert "ValueError: bad input 42" in log
    assert "broken() failed in" in log and "(exit code 1): ValueError: bad input 42" in log
