"""Task groups: a ``with TaskGroup`` block with a nested group, and a ``@task_group``
function called twice. Open the DAG's grid or graph and expand the groups.

``start -> section_1 (a -> checks (size, types)) -> [report, report__1] -> end``
"""

from __future__ import annotations

from datetime import datetime

from tradewind import DAG, TaskGroup
from tradewind.decorators import task, task_group
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator


@task
def measure() -> int:
    return 42


@task
def publish(value: int) -> str:
    return f"published {value}"


@task_group
def report():
    """Measure, then publish the figure."""
    return publish(measure())


with DAG(
    "example_task_group",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "task_group"],
):
    start = EmptyOperator(task_id="start")
    with TaskGroup("section_1", tooltip="Prepare the data") as section_1:
        first = BashOperator(task_id="a", bash_command="echo preparing")
        with TaskGroup("checks", tooltip="Checks in parallel", ui_color="#ffe8a3") as checks:
            BashOperator(task_id="size", bash_command="echo size ok")
            BashOperator(task_id="types", bash_command="echo types ok")
        first >> checks
    end = EmptyOperator(task_id="end")
    start >> section_1 >> [report(), report()] >> end
