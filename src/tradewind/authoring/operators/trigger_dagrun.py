"""TriggerDagRunOperator: start a run of another DAG, optionally waiting for it to end."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.timezone import coerce_utc, parse_datetime
from tradewind.exceptions import (
    AirflowException,
    AirflowSkipException,
    DagDefinitionError,
    DagRunAlreadyExists,
)
from tradewind.states import DagRunState

log = logging.getLogger("tradewind.task")

#: XCom keys the operator pushes, as Airflow's: 2.10 renamed the date's key, so both are
#: pushed for DAGs that pull either.
XCOM_LOGICAL_DATE_ISO = "trigger_logical_date_iso"
XCOM_EXECUTION_DATE_ISO = "trigger_execution_date_iso"
XCOM_RUN_ID = "trigger_run_id"


class TriggerDagRunOperator(BaseOperator):
    """Queues a manual run of ``trigger_dag_id`` with ``conf``.

    The run is created through the try's runtime task instance. A run that already exists
    (same ``trigger_run_id``) fails the task, is cleared and run again with
    ``reset_dag_run``, or skips the task with ``skip_when_already_exists``. With
    ``wait_for_completion`` the task then checks the run every ``poke_interval`` seconds
    until it is in ``allowed_states`` (success) or ``failed_states`` (failure).
    """

    template_fields: Sequence[str] = ("trigger_dag_id", "trigger_run_id", "logical_date", "conf")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        trigger_dag_id: str,
        trigger_run_id: str | None = None,
        conf: Mapping[str, Any] | None = None,
        logical_date: str | datetime | None = None,
        execution_date: str | datetime | None = None,
        reset_dag_run: bool = False,
        wait_for_completion: bool = False,
        poke_interval: float = 60,
        allowed_states: Collection[str] | None = None,
        failed_states: Collection[str] | None = None,
        skip_when_already_exists: bool = False,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        where = f"TriggerDagRunOperator {self.task_id!r}"
        if logical_date is not None and execution_date is not None:
            raise DagDefinitionError(f"{where}: pass logical_date or execution_date, not both")
        logical_date = logical_date if logical_date is not None else execution_date
        if logical_date is not None and not isinstance(logical_date, str | datetime):
            raise DagDefinitionError(
                f"{where}: logical_date must be a string or a datetime, not {logical_date!r}"
            )
        if conf is not None and not isinstance(conf, Mapping):
            raise DagDefinitionError(f"{where}: conf must be a dict, not {conf!r}")
        self.allowed_states = [str(s) for s in (allowed_states or [DagRunState.SUCCESS])]
        self.failed_states = (
            [str(s) for s in failed_states]
            if failed_states is not None
            else [str(DagRunState.FAILED)]
        )
        for name, states in (
            ("allowed_states", self.allowed_states),
            ("failed_states", self.failed_states),
        ):
            unknown = [s for s in states if s not in set(DagRunState)]
            if unknown:
                raise DagDefinitionError(
                    f"{where}: {name} {unknown} are not dag run states "
                    f"(valid: {sorted(DagRunState)})"
                )
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.conf = dict(conf) if conf is not None else None
        self.logical_date = (
            logical_date.isoformat() if isinstance(logical_date, datetime) else (logical_date)
        )
        self.reset_dag_run = bool(reset_dag_run)
        self.wait_for_completion = bool(wait_for_completion)
        self.poke_interval = float(poke_interval)
        self.skip_when_already_exists = bool(skip_when_already_exists)
        if self.poke_interval <= 0:
            raise DagDefinitionError(f"{where}: poke_interval must be positive")
        self.deferrable = bool(deferrable)

    def execute(self, context: Mapping[str, Any]) -> None:
        ti = context["ti"]
        when = coerce_utc(parse_datetime(self.logical_date)) if self.logical_date else None
        try:
            run_id, logical_date = ti.trigger_dag_run(
                self.trigger_dag_id, self.trigger_run_id, self.conf, when, self.reset_dag_run
            )
        except DagRunAlreadyExists as exc:
            if self.skip_when_already_exists:
                raise AirflowSkipException(f"{exc}; skip_when_already_exists is set") from None
            raise
        log.info("Triggered DAG %s: run %s", self.trigger_dag_id, run_id)
        ti.xcom_push(key=XCOM_LOGICAL_DATE_ISO, value=logical_date.isoformat())
        ti.xcom_push(key=XCOM_EXECUTION_DATE_ISO, value=logical_date.isoformat())
        ti.xcom_push(key=XCOM_RUN_ID, value=run_id)
        if self.wait_for_completion and self.deferrable:
            self._defer_until_done(run_id)
        if self.wait_for_completion:
            self._wait(ti, run_id)

    def _defer_until_done(self, run_id: str) -> None:
        """``deferrable=True``: wait in the triggerer (a :class:`DagStateTrigger` checks the
        run every ``poke_interval``), holding no worker slot."""
        from tradewind.authoring.triggers.external_task import DagStateTrigger

        self.defer(
            trigger=DagStateTrigger(
                dag_id=self.trigger_dag_id,
                states=[*self.allowed_states, *self.failed_states],
                run_ids=[run_id],
                poll_interval=self.poke_interval,
            ),
            method_name="execute_complete",
            kwargs={"run_id": run_id},
        )

    def execute_complete(self, context: Mapping[str, Any], event: Any, run_id: str) -> None:
        """The triggered run ended: in ``failed_states`` the task fails, as when polling."""
        states = event.get("states", {}) if isinstance(event, dict) else {}
        self._judge(states.get(run_id))

    def _judge(self, state: str | None) -> bool:
        """True once ``state`` is allowed; raises if it is a failed state."""
        if state in self.failed_states:
            raise AirflowException(f"{self.trigger_dag_id} failed with failed states {state}")
        if state in self.allowed_states:
            log.info("%s finished with allowed state %s", self.trigger_dag_id, state)
            return True
        return False

    def _wait(self, ti: Any, run_id: str) -> None:
        while True:
            log.info(
                "Waiting for DAG %s run %s to finish (checking every %gs)",
                self.trigger_dag_id,
                run_id,
                self.poke_interval,
            )
            time.sleep(self.poke_interval)
            if self._judge(ti.dag_run_state(self.trigger_dag_id, run_id)):
                return
