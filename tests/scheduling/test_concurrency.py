"""How many tries run at once, and which goes first: parallelism, executors, priority_weight."""

from __future__ import annotations

from tests.scheduling.harness import RECORD_HELPER, Harness, max_overlap, read_intervals

# A task that, once started, waits (up to a generous limit) until ``want`` tasks have started,
# so a limit that allows that many at once is seen to overlap them whatever the machine's load.
GATED_HELPER = (
    RECORD_HELPER
    + """
import glob
def gated(name, want=2):
    open(os.path.join("@TMP@", "started", name), "w").close()
    deadline = time.time() + 20
    while len(glob.glob(os.path.join("@TMP@", "started", "*"))) < want and time.time() < deadline:
        time.sleep(0.05)
    record(name, 0.3)
"""
)


def _fan_dag(dag_id: str, width: int, callable_name: str = "record") -> str:
    return (
        GATED_HELPER
        + f"""
from datetime import datetime
from tradewind import DAG
from tradewind.operators.python import PythonOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    for i in range({width}):
        PythonOperator(task_id=f"t{{i}}", python_callable={callable_name},
                       op_args=[f"{dag_id}_t{{i}}"])
"""
    )


def test_parallelism_caps_running_tasks_across_dags(harness: Harness) -> None:
    (harness.tmp / "started").mkdir()
    harness.add_dag("wide_a", _fan_dag("wide_a", 3, "gated"))
    harness.add_dag("wide_b", _fan_dag("wide_b", 3, "gated"))
    harness.sync()
    harness.start(TRADEWIND__CORE__PARALLELISM="2")
    runs = {dag_id: harness.trigger(dag_id) for dag_id in ("wide_a", "wide_b")}
    for dag_id, run_id in runs.items():
        assert harness.wait_run(dag_id, run_id, timeout=90) == "success"
        assert set(harness.states(dag_id, run_id).values()) == {"success"}
    spans = read_intervals(harness.tmp / "spans")
    assert len(spans) == 6
    assert max_overlap(spans) <= 2
    assert max_overlap(spans) == 2  # two did run together: the cap, not a serial executor
    assert "parallelism 2" in harness.scheduler_log()


def _noting_dag(dag_id: str, weights: dict[str, int], pool: str = "default_pool") -> str:
    """A DAG whose tasks (id -> priority_weight) append their ids to order.txt as they run."""
    return f"""
from datetime import datetime
import os
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def note(name):
    with open(os.path.join("@TMP@", "order.txt"), "a") as f:
        f.write(name + "\\n")

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    for task_id, weight in {weights!r}.items():
        PythonOperator(task_id=task_id, python_callable=note, op_args=[task_id],
                       priority_weight=weight, pool="{pool}")
"""


def test_higher_priority_weight_runs_first(harness: Harness) -> None:
    weights = {"a": 5, "b": 1, "c": 20, "d": 10, "e": 3, "f": 10}
    harness.add_dag("prioritized", _noting_dag("prioritized", weights))
    harness.sync()
    harness.start(TRADEWIND__CORE__PARALLELISM="1")
    run_id = harness.trigger("prioritized")
    assert harness.wait_run("prioritized", run_id, timeout=90) == "success"
    order = (harness.tmp / "order.txt").read_text().split()
    # Highest weight first; equal weights ("d", "f") in task_id order.
    assert order == ["c", "d", "f", "a", "e", "b"]


def test_priority_weight_orders_waiting_tasks_across_dags(harness: Harness) -> None:
    """Tasks of two DAGs wait for a pool of one slot: it goes to the highest weight first."""
    from tradewind.db.models import Pool

    with harness.db.session() as session:
        session.add(Pool(pool="one", slots=1, description="one at a time"))
    harness.add_dag(
        "blocker",
        """
from datetime import datetime
import os, time
from tradewind import DAG
from tradewind.operators.python import PythonOperator

def hold():
    deadline = time.time() + 60
    while not os.path.exists(os.path.join("@TMP@", "release")) and time.time() < deadline:
        time.sleep(0.05)

with DAG("blocker", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="hold", python_callable=hold, pool="one", priority_weight=100)
""",
    )
    for dag_id, weights in (("first", {"x1": 1, "x7": 7}), ("second", {"y4": 4, "y9": 9})):
        harness.add_dag(dag_id, _noting_dag(dag_id, weights, pool="one"))
    harness.sync()
    harness.start()
    blocker = harness.trigger("blocker")
    harness.wait_for(
        lambda: harness.states("blocker", blocker).get("hold") == "running", what="the blocker"
    )
    runs = {dag_id: harness.trigger(dag_id) for dag_id in ("first", "second")}
    harness.wait_for(
        lambda: all(
            set(harness.states(dag_id, run_id).values()) == {"scheduled"}
            for dag_id, run_id in runs.items()
        ),
        timeout=60,
        what="all four tasks waiting for the pool",
    )
    (harness.tmp / "release").touch()
    for dag_id, run_id in runs.items():
        assert harness.wait_run(dag_id, run_id, timeout=90) == "success"
    assert harness.wait_run("blocker", blocker) == "success"
    assert (harness.tmp / "order.txt").read_text().split() == ["y9", "x7", "y4", "x1"]


def test_sequential_executor_runs_one_task_at_a_time(harness: Harness) -> None:
    harness.add_dag(
        "one_by_one",
        RECORD_HELPER
        + """
from datetime import datetime
from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.python import PythonOperator

with DAG("one_by_one", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    tasks = [PythonOperator(task_id=f"t{i}", python_callable=record, op_args=[f"t{i}"])
             for i in range(4)]
    tasks >> BashOperator(task_id="after", bash_command="echo all done")
""",
    )
    harness.sync()
    harness.start(TRADEWIND__CORE__EXECUTOR="SequentialExecutor", TRADEWIND__CORE__PARALLELISM="8")
    run_id = harness.trigger("one_by_one")
    assert harness.wait_run("one_by_one", run_id, timeout=90) == "success"
    assert set(harness.states("one_by_one", run_id).values()) == {"success"}
    spans = read_intervals(harness.tmp / "spans")
    assert len(spans) == 4
    assert max_overlap(spans) == 1
    log = harness.scheduler_log()
    assert "SequentialExecutor, parallelism 1" in log
