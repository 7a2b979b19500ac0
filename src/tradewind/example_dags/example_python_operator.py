"""PythonOperator: call functions, with context values and templated keyword arguments."""

from __future__ import annotations

import time
from datetime import datetime
from pprint import pprint

from tradewind import DAG
from tradewind.operators.python import PythonOperator


def print_context(ds=None, **kwargs):
    """Receives the context values it names (``ds``) plus the rest in ``kwargs``."""
    print(f"Logical date: {ds}, run id: {kwargs['run_id']}")
    pprint(sorted(kwargs))
    return "Whatever you return gets printed in the logs"


def sleep_for(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


with DAG(
    dag_id="example_python_operator",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "python"],
) as dag:
    print_the_context = PythonOperator(task_id="print_the_context", python_callable=print_context)

    for index in range(3):
        sleeper = PythonOperator(
            task_id=f"sleep_for_{index}",
            python_callable=sleep_for,
            op_kwargs={"seconds": index / 10},
        )
        print_the_context >> sleeper
