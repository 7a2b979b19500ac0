"""Shell commands with dependencies: three parallel steps, a join, and a final step.

runme_0 ─┐
runme_1 ─┼─> run_after_loop ─> run_this_last
runme_2 ─┘                      ^
also_run_this ──────────────────┘
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tradewind import DAG
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator

with DAG(
    dag_id="example_bash_operator",
    description="BashOperator tasks fanning in to a final step.",
    schedule="0 0 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    dagrun_timeout=timedelta(minutes=60),
    tags=["example", "bash"],
    params={"example_key": "example_value"},
) as dag:
    run_this_last = EmptyOperator(task_id="run_this_last")

    run_after_loop = BashOperator(task_id="run_after_loop", bash_command="echo all steps done")
    run_after_loop >> run_this_last

    for index in range(3):
        step = BashOperator(
            task_id=f"runme_{index}",
            bash_command='echo "step {{ task.task_id }} for {{ ds }}" && sleep 1',
        )
        step >> run_after_loop

    also_run_this = BashOperator(
        task_id="also_run_this",
        bash_command='echo "run_id={{ run_id }} | dag_run={{ dag_run }}"',
    )
    also_run_this >> run_this_last
