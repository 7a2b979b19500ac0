"""Shared fixtures: a fake task instance implementing the runner's XCom protocol."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.context import build_template_context


class FakeTaskInstance:
    """An in-memory XCom store shared by every task of one run (the caller's contract)."""

    def __init__(self, store: dict[tuple[str, str], Any], task_id: str) -> None:
        self.store = store
        self.task_id = task_id

    def xcom_push(self, key: str, value: Any) -> None:
        self.store[(self.task_id, key)] = value

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        dag_id: str | None = None,
        key: str | None = "return_value",
        include_prior_dates: bool = False,
        **kwargs: Any,
    ) -> Any:
        if isinstance(task_ids, str):
            return self.store.get((task_ids, key), kwargs.get("default"))
        return [self.store.get((tid, key)) for tid in task_ids or []]


LOGICAL_DATE = datetime(2024, 3, 5, tzinfo=UTC)


@pytest.fixture
def xcom_store() -> dict[tuple[str, str], Any]:
    return {}


@pytest.fixture
def run_task(xcom_store: dict[tuple[str, str], Any]) -> Callable[..., Any]:
    """Render and execute a task like the runner would, pushing its return value."""

    def run(task: BaseOperator, conf: dict[str, Any] | None = None) -> Any:
        task = task.prepare_for_execution()
        ti = FakeTaskInstance(xcom_store, task.task_id)
        context = build_template_context(
            dag=task.dag,
            task=task,
            run_id="manual__2024-03-05",
            logical_date=LOGICAL_DATE,
            data_interval_start=LOGICAL_DATE,
            data_interval_end=datetime(2024, 3, 6, tzinfo=UTC),
            conf=conf,
            ti=ti,
        )
        task.render_template_fields(context)
        result = task.execute(context)
        if task.do_xcom_push and result is not None:
            ti.xcom_push("return_value", result)
        return result

    return run
