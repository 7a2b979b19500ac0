"""Trigger rules: a join that runs once its upstream tasks finished, even if one skipped.

``maybe_skip`` exits with code 99, which ends a BashOperator as *skipped*. With the default
``all_success`` the join would be skipped too; ``none_failed`` lets it run.
"""

from __future__ import annotations

from datetime import datetime

from tradewind import DAG
from tradewind.authoring.trigger_rule import TriggerRule
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator

with DAG(
    dag_id="example_trigger_rules",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "trigger_rules"],
) as dag:
    start = EmptyOperator(task_id="start")
    always_works = BashOperator(task_id="always_works", bash_command="echo working")
    maybe_skip = BashOperator(task_id="maybe_skip", bash_command="echo skipping; exit 99")
    join = EmptyOperator(task_id="join", trigger_rule=TriggerRule.NONE_FAILED)
    finally_cleanup = BashOperator(
        task_id="finally_cleanup",
        bash_command="echo cleaning up",
        trigger_rule=TriggerRule.ALL_DONE,
    )

    start >> [always_works, maybe_skip] >> join >> finally_cleanup
