"""Mapped task groups (``@task_group`` with ``.partial().expand()``/``.expand_kwargs()``)
through a real scheduler, on SQLite and PostgreSQL, in Tradewind and in Airflow syntax."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.compat.test_airflow_dag_runs import compat_harness  # noqa: F401  (fixture)
from tests.scheduling.harness import Harness
from tradewind.db.models import TaskInstance, XCom

GROUPS_DAG = """
from datetime import datetime
from tradewind import DAG
from tradewind.decorators import task, task_group
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator

with DAG("mapped_groups", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    @task
    def make():
        return [1, 2, 3]

    @task
    def nothing():
        return []

    @task
    def double(x):
        return x * 2

    @task
    def label(value, prefix):
        return f"{prefix}{value}"

    @task
    def fragile(x):
        if x == 2:
            raise RuntimeError("two is bad")
        return x

    @task
    def after_fragile(value):
        return value

    @task(trigger_rule="all_done")
    def cleanup(x):
        return f"cleaned {x}"

    @task
    def total(values):
        return {"kind": type(values).__name__, "list": list(values)}

    @task_group
    def process(x, prefix):
        labelled = label(double(x), prefix)
        after_fragile(fragile(x)) >> cleanup(x)
        return labelled

    total(process.partial(prefix="n=").expand(x=make()))

    @task_group
    def empty(x):
        double(x)

    empty.expand(x=nothing()) >> EmptyOperator(task_id="after_empty")

    @task_group
    def pairs(a, b):
        BashOperator(task_id="echo", bash_command='echo "got $B"', env={"B": b})
        return label(a, b)

    total.override(task_id="pairs_total")(
        pairs.expand_kwargs([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
    )

    @task.branch
    def route(x):
        return "routed.even" if x % 2 == 0 else "routed.odd"

    @task_group
    def routed(x):
        route(x) >> [label.override(task_id="even")(x, "even "),
                     label.override(task_id="odd")(x, "odd ")]

    routed.expand(x=[1, 2, 3])
"""


def _instances(h: Harness, dag_id: str, run_id: str) -> dict[str, dict[int, str | None]]:
    with h.db.session() as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.state).where(
                TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id
            )
        )
        found: dict[str, dict[int, str | None]] = {}
        for task_id, map_index, state in rows:
            found.setdefault(task_id, {})[map_index] = state
        return found


def _xcoms(h: Harness, dag_id: str, task_id: str) -> dict[int, object]:
    with h.db.session() as session:
        rows = session.execute(
            select(XCom.map_index, XCom.value).where(
                XCom.dag_id == dag_id, XCom.task_id == task_id, XCom.key == "return_value"
            )
        )
        return dict(rows.all())


@pytest.mark.slow
def test_each_task_of_a_mapped_group_runs_once_per_element(harness: Harness) -> None:
    h = harness
    h.add_dag("mapped_groups", GROUPS_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("mapped_groups")
    # Instance 1 of process.fragile fails, but the leaf after it (all_done) succeeds.
    assert h.wait_run("mapped_groups", run_id, timeout=90) == "success", h.scheduler_log()[-3000:]
    states = _instances(h, "mapped_groups", run_id)

    # Every task in the group has one instance per element; each saw its own element, and
    # label[i] got double[i]'s value, not the list of all of them.
    assert _xcoms(h, "mapped_groups", "process.double") == {0: 2, 1: 4, 2: 6}
    assert _xcoms(h, "mapped_groups", "process.label") == {0: "n=2", 1: "n=4", 2: "n=6"}
    # Trigger rules per map index: only instance 1 follows the failed fragile[1].
    assert states["process.fragile"] == {0: "success", 1: "failed", 2: "success"}
    assert states["process.after_fragile"] == {0: "success", 1: "upstream_failed", 2: "success"}
    assert states["process.cleanup"] == {0: "success", 1: "success", 2: "success"}
    assert _xcoms(h, "mapped_groups", "process.cleanup") == {
        0: "cleaned 1",
        1: "cleaned 2",
        2: "cleaned 3",
    }
    # Downstream of the group: all instances as one lazy sequence, in map-index order.
    assert _xcoms(h, "mapped_groups", "total") == {
        -1: {"kind": "LazyXComSequence", "list": ["n=2", "n=4", "n=6"]}
    }

    # A zero-length expansion skips every task of the group, and what waits for it.
    assert states["empty.double"] == {-1: "skipped"}
    assert states["after_empty"] == {-1: "skipped"}

    # expand_kwargs: one dict of the function's arguments per instance; a classic operator
    # inside renders its own instance's value.
    assert _xcoms(h, "mapped_groups", "pairs.label") == {0: "x1", 1: "y2"}
    assert _xcoms(h, "mapped_groups", "pairs_total")[-1] == {
        "kind": "LazyXComSequence",
        "list": ["x1", "y2"],
    }
    # A branch inside the group skips only its own instance's tasks.
    assert states["routed.even"] == {0: "skipped", 1: "success", 2: "skipped"}
    assert states["routed.odd"] == {0: "success", 1: "skipped", 2: "success"}
    assert "got x" in h.try_log("mapped_groups", run_id, "pairs.echo", map_index=0)
    assert "got y" in h.try_log("mapped_groups", run_id, "pairs.echo", map_index=1)


AIRFLOW_GROUPS_DAG = """
import pendulum
from airflow.decorators import dag, task, task_group
from airflow.operators.bash import BashOperator
from airflow.utils.task_group import MappedTaskGroup


@dag(start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False)
def airflow_mapped_groups():
    @task
    def list_files():
        return ["a.csv", "b.csv"]

    @task
    def size(name):
        return len(name) * 10

    @task
    def describe(name, size, unit):
        return f"{name}:{size}{unit}"

    @task
    def report(lines):
        return sorted(lines) == list(lines) and list(lines)

    @task_group(group_id="per_file")
    def per_file(name, unit):
        BashOperator(task_id="announce", bash_command="echo announcing $N", env={"N": name})
        return describe(name, size(name), unit)

    lines = per_file.partial(unit="kb").expand(name=list_files())
    report(lines)


airflow_mapped_groups()
"""


@pytest.mark.slow
def test_airflow_syntax_mapped_group_runs_under_compat(
    compat_harness: Harness,  # noqa: F811
) -> None:
    h = compat_harness
    h.add_dag("airflow_mapped_groups", AIRFLOW_GROUPS_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("airflow_mapped_groups", run_id="compat")
    assert h.wait_run("airflow_mapped_groups", run_id, timeout=90) == "success", h.scheduler_log()[
        -3000:
    ]
    states = _instances(h, "airflow_mapped_groups", run_id)
    assert states["per_file.size"] == {0: "success", 1: "success"}
    assert states["per_file.announce"] == {0: "success", 1: "success"}
    assert _xcoms(h, "airflow_mapped_groups", "per_file.describe") == {
        0: "a.csv:50kb",
        1: "b.csv:50kb",
    }
    assert _xcoms(h, "airflow_mapped_groups", "report") == {-1: ["a.csv:50kb", "b.csv:50kb"]}
    log = h.try_log("airflow_mapped_groups", run_id, "per_file.announce", map_index=1)
    assert "announcing b.csv" in log
