"""ExternalTaskSensor (wait for another DAG's task, task group or whole run) and
ExternalTaskMarker (clearing it clears the dependent task in the other DAG)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.sensors.base import BaseSensorOperator
from tradewind.exceptions import AirflowException, AirflowSkipException, DagDefinitionError
from tradewind.states import DagRunState, TaskInstanceState

log = logging.getLogger("tradewind.task")


class ExternalTaskSensor(BaseSensorOperator):
    """Waits until, at the logical date(s) this run maps to, the other DAG's
    ``external_task_id`` / ``external_task_ids`` / ``external_task_group_id`` - or, with
    none of them, its run - is in ``allowed_states``.

    The date is this run's logical date, shifted back by ``execution_delta`` or computed by
    ``execution_date_fn(logical_date[, context])`` (one date or a list). Any of them in
    ``failed_states`` fails the sensor (skips it with ``soft_fail``); in ``skipped_states``
    skips it. The other DAG's state is read through the try's runtime task instance.
    """

    template_fields: Sequence[str] = ("external_dag_id", "external_task_id", "external_task_ids")
    ui_color = "#4db7db"

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str | None = None,
        external_task_ids: Collection[str] | None = None,
        external_task_group_id: str | None = None,
        allowed_states: Collection[str] | None = None,
        skipped_states: Collection[str] | None = None,
        failed_states: Collection[str] | None = None,
        execution_delta: timedelta | None = None,
        execution_date_fn: Callable[..., Any] | None = None,
        check_existence: bool = False,
        deferrable: bool = False,
        poll_interval: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._accept_deferrable(deferrable)
        where = f"ExternalTaskSensor {self.task_id!r}"
        if external_task_id is not None and external_task_ids is not None:
            raise DagDefinitionError(
                f"{where}: pass external_task_id or external_task_ids, not both"
            )
        if external_task_id is not None:
            external_task_ids = [external_task_id]
        task_ids = list(external_task_ids) if external_task_ids is not None else None
        if task_ids is not None and len(set(task_ids)) != len(task_ids):
            raise DagDefinitionError(f"{where}: external_task_ids has duplicates: {task_ids}")
        if external_task_group_id is not None and task_ids:
            raise DagDefinitionError(
                f"{where}: pass external_task_group_id or external task ids, not both"
            )
        if execution_delta is not None and execution_date_fn is not None:
            raise DagDefinitionError(
                f"{where}: pass execution_delta or execution_date_fn, not both"
            )
        on_tasks = bool(task_ids) or external_task_group_id is not None
        known = set(TaskInstanceState) if on_tasks else set(DagRunState)
        self.allowed_states = [str(s) for s in allowed_states or [TaskInstanceState.SUCCESS]]
        self.skipped_states = [str(s) for s in skipped_states or []]
        self.failed_states = [str(s) for s in failed_states or []]
        for name, states in (
            ("allowed_states", self.allowed_states),
            ("skipped_states", self.skipped_states),
            ("failed_states", self.failed_states),
        ):
            unknown = [s for s in states if s not in known]
            if unknown:
                kind = "task instance" if on_tasks else "dag run"
                raise DagDefinitionError(
                    f"{where}: {name} {unknown} are not {kind} states (valid: {sorted(known)})"
                )
        overlap = set(self.allowed_states) & (set(self.failed_states) | set(self.skipped_states))
        if overlap:
            raise DagDefinitionError(
                f"{where}: {sorted(overlap)} are in allowed_states and in "
                "failed_states/skipped_states"
            )
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.external_task_ids = task_ids
        self.external_task_group_id = external_task_group_id
        self.execution_delta = execution_delta
        self.execution_date_fn = execution_date_fn
        self.check_existence = bool(check_existence)
        self._checked = False
        if poll_interval <= 0:
            raise DagDefinitionError(f"{where}: poll_interval must be positive: {poll_interval}")
        self.poll_interval = float(poll_interval)

    def deferral_trigger(self, context: Mapping[str, Any]) -> Any:
        """``deferrable=True``: a :class:`WorkflowTrigger` polls the other DAG's states
        every ``poll_interval`` seconds in the triggerer (Airflow's split: ``poke_interval``
        paces pokes, ``poll_interval`` the trigger)."""
        from tradewind.authoring.triggers.external_task import WorkflowTrigger

        if self.check_existence:
            context["ti"].expected_task_count(
                self.external_dag_id, self.external_task_ids, self.external_task_group_id
            )
        return WorkflowTrigger(
            external_dag_id=self.external_dag_id,
            execution_dates=self._dates(context),
            external_task_ids=self.external_task_ids,
            external_task_group_id=self.external_task_group_id,
            failed_states=self.failed_states,
            skipped_states=self.skipped_states,
            allowed_states=self.allowed_states,
            poke_interval=self.poll_interval,
            soft_fail=self.soft_fail,
        )

    def execute_complete(self, context: Mapping[str, Any], event: Any = None) -> None:
        """The trigger's verdict, with :meth:`poke`'s meaning: failed fails (skips with
        ``soft_fail``), skipped skips."""
        status = event.get("status") if isinstance(event, dict) else None
        what = self._describe()
        if status == "success":
            log.info("%s reached one of %s", what, self.allowed_states)
            return
        if status == "skipped":
            raise AirflowSkipException(f"{what} was skipped (in one of {self.skipped_states})")
        message = f"{what} failed (in one of {self.failed_states})"
        if status != "failed":
            message = f"unexpected event from the trigger waiting on {what}: {event!r}"
        if self.soft_fail:
            raise AirflowSkipException(message)
        raise AirflowException(message)

    def _dates(self, context: Mapping[str, Any]) -> list[datetime]:
        logical_date: datetime = context["logical_date"]
        if self.execution_delta is not None:
            return [logical_date - self.execution_delta]
        if self.execution_date_fn is not None:
            from tradewind.authoring.operators.python import callable_kwargs

            fn = self.execution_date_fn
            kwargs = callable_kwargs(fn, [logical_date], {**context})
            result = fn(logical_date, **kwargs)
            return list(result) if isinstance(result, list | tuple) else [result]
        return [logical_date]

    def poke(self, context: Mapping[str, Any]) -> bool:
        ti = context["ti"]
        dates = self._dates(context)
        group = self.external_task_group_id
        what = self._describe()
        log.info("Poking for %s on %s", what, ", ".join(d.isoformat() for d in dates))
        if self.check_existence and not self._checked:
            ti.expected_task_count(self.external_dag_id, self.external_task_ids, group)
            self._checked = True
        per_date = 1
        if group is not None:
            per_date = ti.expected_task_count(self.external_dag_id, None, group)
        elif self.external_task_ids:
            per_date = len(self.external_task_ids)

        def count(states: list[str]) -> int:
            found: int = ti.count_task_states(
                self.external_dag_id, dates, self.external_task_ids, states, group
            )
            return found

        if self.failed_states and count(self.failed_states) > 0:
            message = f"{what} failed (in one of {self.failed_states})"
            if self.soft_fail:
                raise AirflowSkipException(message)
            raise AirflowException(message)
        if self.skipped_states and count(self.skipped_states) > 0:
            raise AirflowSkipException(f"{what} was skipped (in one of {self.skipped_states})")
        return count(self.allowed_states) == per_date * len(dates)

    def _describe(self) -> str:
        if self.external_task_group_id is not None:
            return f"task group {self.external_task_group_id} of DAG {self.external_dag_id}"
        if self.external_task_ids:
            return f"tasks {self.external_task_ids} of DAG {self.external_dag_id}"
        return f"DAG {self.external_dag_id}"


class ExternalTaskMarker(BaseOperator):
    """Does nothing when it runs; clearing it (with the tasks below it) also clears
    ``external_task_id`` of ``external_dag_id`` in that DAG's run at ``execution_date``
    (a template, the run's logical date by default), and what follows it there, up to
    ``recursion_depth`` DAGs deep."""

    template_fields: Sequence[str] = ("external_dag_id", "external_task_id", "execution_date")
    ui_color = "#4db7db"

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str,
        execution_date: str | datetime | None = "{{ logical_date.isoformat() }}",
        recursion_depth: int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(execution_date, datetime):
            execution_date = execution_date.isoformat()
        elif execution_date is not None and not isinstance(execution_date, str):
            raise DagDefinitionError(
                f"execution_date of ExternalTaskMarker {self.task_id!r} must be a string or "
                f"a datetime, not {execution_date!r}"
            )
        if not isinstance(recursion_depth, int) or recursion_depth <= 0:
            raise DagDefinitionError(
                f"recursion_depth of ExternalTaskMarker {self.task_id!r} must be a positive "
                f"integer, not {recursion_depth!r}"
            )
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.execution_date = execution_date
        self.recursion_depth = recursion_depth

    def execute(self, context: Mapping[str, Any]) -> None:
        return None

    def external_marker_info(self) -> dict[str, Any]:
        """What the serialized DAG keeps so that clearing (which never imports the DAG
        file) can find the dependent task."""
        return {
            "external_dag_id": self.external_dag_id,
            "external_task_id": self.external_task_id,
            "execution_date": self.execution_date,
            "recursion_depth": self.recursion_depth,
        }
