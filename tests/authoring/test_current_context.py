"""``get_current_context()`` and Airflow's task-facing exception names, in-process."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tradewind.authoring.current_context import get_current_context, running_task
from tradewind.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowSkipException,
    NoTaskContext,
    TaskFailedNoRetry,
    TaskSkipped,
)


def test_outside_a_task_the_call_says_why_it_failed() -> None:
    with pytest.raises(NoTaskContext, match="outside a running task"):
        get_current_context()
    # DAG files written for Airflow catch it as Airflow's base exception.
    with pytest.raises(AirflowException):
        get_current_context()


def test_the_running_task_context_is_current_until_the_task_ends() -> None:
    outer: dict[str, Any] = {"ds": "2024-01-01"}
    inner: dict[str, Any] = {"ds": "2024-01-02"}
    with running_task(outer):
        assert get_current_context() is outer
        with running_task(inner):
            assert get_current_context() is inner
        assert get_current_context() is outer
    with pytest.raises(NoTaskContext):
        get_current_context()


def test_threads_the_task_starts_see_its_context() -> None:
    context: dict[str, Any] = {"ds": "2024-01-01"}
    seen: list[dict[str, Any]] = []
    with running_task(context):
        worker = threading.Thread(target=lambda: seen.append(get_current_context()))
        worker.start()
        worker.join()
    assert seen == [context]


def test_the_context_is_released_when_the_task_raises() -> None:
    with pytest.raises(AirflowSkipException), running_task({"ds": "2024-01-01"}):
        raise AirflowSkipException("skip")
    with pytest.raises(NoTaskContext):
        get_current_context()


def test_airflow_names_are_caught_by_tradewinds_handlers() -> None:
    # The runner catches TaskSkipped and TaskFailedNoRetry; Airflow's names must reach them,
    # and a DAG author's ``except AirflowException`` must see Tradewind's own.
    with pytest.raises(TaskSkipped):
        raise AirflowSkipException("skip")
    with pytest.raises(TaskFailedNoRetry):
        raise AirflowFailException("stop")
    with pytest.raises(AirflowException):
        raise TaskSkipped("skip")
    assert AirflowSkipException.__name__ == "AirflowSkipException"


def test_dag_files_find_it_where_airflow_users_look() -> None:
    import tradewind
    from tradewind.operators.python import get_current_context as from_operators

    context: dict[str, Any] = {"ds": "2024-01-01"}
    with running_task(context):
        assert from_operators() is context
        assert tradewind.get_current_context() is context
