"""A cleared mapped task is re-sized when its upstream runs again with another number of
items: instances past the new end are ``removed``, new ones are created (SQLite and
PostgreSQL, a real scheduler)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.scheduling.harness import Harness
from tradewind.db.models import TaskInstance, XCom
from tradewind.operations.clearing import clear_task_instances

RESIZE_DAG = """
from datetime import datetime
from pathlib import Path
from tradewind import DAG
from tradewind.decorators import task, task_group

with DAG("resize", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    @task
    def make():
        count = int((Path("@TMP@") / "count").read_text())
        return list(range(1, count + 1))

    @task
    def square(x):
        return x * x

    @task
    def total(values):
        return list(values)

    @task_group
    def group(x):
        return square.override(task_id="inner")(x)

    numbers = make()
    total(square.expand(x=numbers))
    total.override(task_id="group_total")(group.expand(x=numbers))
"""


def _states(h: Harness, run_id: str, task_id: str) -> dict[int, str | None]:
    with h.db.session() as session:
        rows = session.execute(
            select(TaskInstance.map_index, TaskInstance.state).where(
                TaskInstance.dag_id == "resize",
                TaskInstance.run_id == run_id,
                TaskInstance.task_id == task_id,
            )
        )
        return dict(rows.all())


def _value(h: Harness, task_id: str) -> object:
    with h.db.session() as session:
        return session.scalar(
            select(XCom.value).where(
                XCom.dag_id == "resize", XCom.task_id == task_id, XCom.key == "return_value"
            )
        )


def _rerun_with(h: Harness, run_id: str, count: int) -> None:
    (h.tmp / "count").write_text(str(count))
    clear_task_instances(
        h.db, h.config, "resize", task_regex="^make$", downstream=True, run_id=run_id, actor="t"
    )
    assert h.wait_run("resize", run_id, timeout=60) == "success", h.scheduler_log()[-3000:]


@pytest.mark.slow
def test_clearing_the_upstream_resizes_the_mapped_task(harness: Harness) -> None:
    h = harness
    (h.tmp / "count").write_text("3")
    h.add_dag("resize", RESIZE_DAG)
    h.sync()
    h.start()
    run_id = h.trigger("resize")
    assert h.wait_run("resize", run_id, timeout=60) == "success", h.scheduler_log()[-3000:]
    assert _states(h, run_id, "square") == {0: "success", 1: "success", 2: "success"}

    _rerun_with(h, run_id, 2)  # shorter: the last instance is removed
    for task_id in ("square", "group.inner"):
        assert _states(h, run_id, task_id) == {0: "success", 1: "success", 2: "removed"}
    # What follows sees the new length only.
    assert _value(h, "total") == [1, 4]
    assert _value(h, "group_total") == [1, 4]

    _rerun_with(h, run_id, 4)  # longer: the removed one comes back, one more is created
    for task_id in ("square", "group.inner"):
        assert _states(h, run_id, task_id) == {i: "success" for i in range(4)}
    assert _value(h, "total") == [1, 4, 9, 16]
    assert _value(h, "group_total") == [1, 4, 9, 16]
