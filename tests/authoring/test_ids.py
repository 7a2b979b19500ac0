"""'.' and '..' are refused as DAG and task ids: they would walk up log paths and URLs."""

from __future__ import annotations

from datetime import datetime

import pytest

from tradewind.authoring.dag import DAG
from tradewind.authoring.operators import EmptyOperator
from tradewind.exceptions import DagDefinitionError


@pytest.mark.parametrize("bad", [".", ".."])
def test_dot_names_are_refused_as_dag_ids(bad: str) -> None:
    with pytest.raises(DagDefinitionError, match=r"dag_id '\.+' is invalid.*paths and URLs"):
        DAG(bad)


@pytest.mark.parametrize("bad", [".", ".."])
def test_dot_names_are_refused_as_task_ids(bad: str) -> None:
    with (
        DAG("ids", start_date=datetime(2024, 1, 1)),
        pytest.raises(DagDefinitionError, match=r"task_id '\.+' is invalid.*DAG 'ids'"),
    ):
        EmptyOperator(task_id=bad)


@pytest.mark.parametrize("good", ["...", "a..b", ".hidden", "v1.2"])
def test_ids_with_dots_among_other_characters_still_work(good: str) -> None:
    assert DAG(good).dag_id == good
