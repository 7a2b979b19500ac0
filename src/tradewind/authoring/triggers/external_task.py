"""Triggers that wait on other DAGs: ``WorkflowTrigger`` (the deferred
``ExternalTaskSensor``) and ``DagStateTrigger`` (the deferred ``TriggerDagRunOperator``
waiting for the run it started).

Airflow's names and kwargs. They poll the metadata database every ``poke_interval`` /
``poll_interval`` seconds through :mod:`~tradewind.authoring.triggers.workflow_states`, in
a thread so the triggerer's event loop never blocks on a query.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from datetime import datetime
from fractions import Fraction
from typing import Any

from tradewind.authoring.triggers import workflow_states
from tradewind.authoring.triggers.base import BaseTrigger, TriggerEvent
from tradewind.states import DagRunState, TaskInstanceState


def _positive(value: float, name: str, owner: str) -> float:
    if value <= 0:
        raise ValueError(f"{owner}'s {name} must be positive, got {value}")
    return float(value)


class WorkflowTrigger(BaseTrigger):
    """Fires once another DAG's tasks (``external_task_ids``), task group or - with
    neither - runs at ``execution_dates`` are all in ``allowed_states``:
    ``{"status": "success"}``. Any in ``failed_states`` fires ``{"status": "failed"}``,
    any in ``skipped_states`` ``{"status": "skipped"}``; the sensor decides what those
    mean (``soft_fail``)."""

    def __init__(
        self,
        external_dag_id: str,
        execution_dates: Collection[datetime],
        external_task_ids: Collection[str] | None = None,
        external_task_group_id: str | None = None,
        failed_states: Collection[str] | None = None,
        skipped_states: Collection[str] | None = None,
        allowed_states: Collection[str] | None = None,
        poke_interval: float = 2.0,
        soft_fail: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not execution_dates:
            raise ValueError("WorkflowTrigger needs at least one execution date")
        self.external_dag_id = external_dag_id
        self.execution_dates = list(execution_dates)
        self.external_task_ids = list(external_task_ids) if external_task_ids else None
        self.external_task_group_id = external_task_group_id
        self.failed_states = list(failed_states or [])
        self.skipped_states = list(skipped_states or [])
        self.allowed_states = list(allowed_states or [TaskInstanceState.SUCCESS])
        self.poke_interval = _positive(poke_interval, "poke_interval", "WorkflowTrigger")
        self.soft_fail = bool(soft_fail)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "tradewind.authoring.triggers.external_task.WorkflowTrigger",
            {
                "external_dag_id": self.external_dag_id,
                "execution_dates": self.execution_dates,
                "external_task_ids": self.external_task_ids,
                "external_task_group_id": self.external_task_group_id,
                "failed_states": self.failed_states,
                "skipped_states": self.skipped_states,
                "allowed_states": self.allowed_states,
                "poke_interval": self.poke_interval,
                "soft_fail": self.soft_fail,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        access = workflow_states.current()
        expected = await asyncio.to_thread(
            access.expected_count,
            self.external_dag_id,
            self.external_task_ids,
            self.external_task_group_id,
        )
        while True:
            status = await asyncio.to_thread(self._status, access, expected)
            if status is not None:
                yield TriggerEvent({"status": status})
                return
            await asyncio.sleep(self.poke_interval)

    def _status(self, access: workflow_states.WorkflowStates, expected: int) -> str | None:
        def count(states: list[str]) -> Fraction:
            return access.count_states(
                self.external_dag_id,
                self.execution_dates,
                self.external_task_ids,
                self.external_task_group_id,
                states,
            )

        if self.failed_states and count(self.failed_states) > 0:
            return "failed"
        if self.skipped_states and count(self.skipped_states) > 0:
            return "skipped"
        if count(self.allowed_states) == expected * len(self.execution_dates):
            return "success"
        return None


class DagStateTrigger(BaseTrigger):
    """Fires once every run of ``dag_id`` named by ``run_ids`` (or, as in Airflow, at
    ``execution_dates``) is in one of ``states``. The event is ``{"dag_id": ..., "states":
    {run_id: state}}`` (with ``run_ids``) or ``{"dag_id": ..., "execution_dates": [...]}``."""

    def __init__(
        self,
        dag_id: str,
        states: Collection[str],
        execution_dates: Collection[datetime] | None = None,
        poll_interval: float = 5.0,
        run_ids: Collection[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not run_ids and not execution_dates:
            raise ValueError("DagStateTrigger needs run_ids or execution_dates")
        unknown = [s for s in states if s not in set(DagRunState)]
        if unknown or not states:
            raise ValueError(f"DagStateTrigger's states {list(states)} are not dag run states")
        self.dag_id = dag_id
        self.states = list(states)
        self.execution_dates = list(execution_dates or [])
        self.run_ids = list(run_ids or [])
        self.poll_interval = _positive(poll_interval, "poll_interval", "DagStateTrigger")

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "tradewind.authoring.triggers.external_task.DagStateTrigger",
            {
                "dag_id": self.dag_id,
                "states": self.states,
                "execution_dates": self.execution_dates,
                "poll_interval": self.poll_interval,
                "run_ids": self.run_ids,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        access = workflow_states.current()
        while True:
            payload = await asyncio.to_thread(self._done, access)
            if payload is not None:
                yield TriggerEvent({"dag_id": self.dag_id, **payload})
                return
            await asyncio.sleep(self.poll_interval)

    def _done(self, access: workflow_states.WorkflowStates) -> dict[str, Any] | None:
        if self.run_ids:
            found = access.run_states(self.dag_id, self.run_ids)
            done = len(found) == len(self.run_ids) and all(s in self.states for s in found.values())
            return {"states": found} if done else None
        in_states = access.count_states(self.dag_id, self.execution_dates, None, None, self.states)
        if in_states == len(self.execution_dates):
            return {"execution_dates": [d.isoformat() for d in self.execution_dates]}
        return None
