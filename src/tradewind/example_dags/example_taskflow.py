"""TaskFlow: plain functions as tasks, return values passed between them through XCom.

``extract -> transform -> load``: each call wires the dependency and, at run time, hands the
upstream task's return value to the next function.
"""

from __future__ import annotations

import json
from datetime import datetime

from tradewind.decorators import dag, task


@dag(
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "taskflow"],
)
def example_taskflow():
    """A small ETL pipeline written with ``@task``."""

    @task()
    def extract() -> dict[str, float]:
        """Pretend to read orders from a source system."""
        return json.loads('{"1001": 301.27, "1002": 433.21, "1003": 502.22}')

    @task()
    def transform(order_data: dict[str, float]) -> float:
        """Add up the order values (``order_data`` is extract's return value)."""
        if order_data is None:  # `tasks test transform` runs without extract's XCom
            order_data = {}
        return round(sum(order_data.values()), 2)

    @task()
    def load(total_order_value: float) -> None:
        print(f"Total order value is: {total_order_value}")

    load(transform(extract()))


example_taskflow()
