"""BaseSensorOperator: a task that waits, poking a condition until it holds.

``mode="poke"`` keeps the try (and its slot) and sleeps between pokes in the task's own
process. ``mode="reschedule"`` ends the try after each false poke with
:class:`~tradewind.exceptions.AirflowRescheduleException`: the task instance waits in
``up_for_reschedule`` holding no slot, and the scheduler queues it again at the next poke
time through the same timed wake-up as a retry delay. The try number stays, and ``timeout``
counts from the try's first poke (which the runtime task instance reads back).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.exceptions import (
    AirflowException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    DagDefinitionError,
    TaskDeferralError,
    TaskDeferralTimeout,
)

log = logging.getLogger("tradewind.task")

MODES = ("poke", "reschedule")
#: Airflow's default: a sensor gives up after seven days.
DEFAULT_TIMEOUT = 60 * 60 * 24 * 7


@dataclass
class PokeReturnValue:
    """What ``poke`` may return instead of a bool: whether it is done, and a value to push
    as the task's XCom return value once it is."""

    is_done: bool
    xcom_value: Any = None

    def __bool__(self) -> bool:
        return bool(self.is_done)


def _seconds(value: timedelta | float | int | None, what: str, task_id: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise DagDefinitionError(
            f"{what} of sensor {task_id!r} must be seconds or a timedelta, not {value!r}"
        )
    if seconds < 0:
        raise DagDefinitionError(f"{what} of sensor {task_id!r} must not be negative: {value!r}")
    return seconds


class BaseSensorOperator(BaseOperator):
    """Subclasses implement :meth:`poke` (a bool, or a :class:`PokeReturnValue`)."""

    ui_color = "#e6f1f2"

    def __init__(
        self,
        *,
        poke_interval: timedelta | float = 60,
        timeout: timedelta | float = DEFAULT_TIMEOUT,
        soft_fail: bool = False,
        mode: str = "poke",
        exponential_backoff: bool = False,
        max_wait: timedelta | float | None = None,
        silent_fail: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if mode not in MODES:
            raise DagDefinitionError(
                f"mode of sensor {self.task_id!r} must be one of {MODES}, not {mode!r}"
            )
        self.poke_interval = _seconds(poke_interval, "poke_interval", self.task_id) or 0.0
        self.timeout = _seconds(timeout, "timeout", self.task_id)
        self.max_wait = _seconds(max_wait, "max_wait", self.task_id)
        self.soft_fail = bool(soft_fail)
        self.silent_fail = bool(silent_fail)
        self.mode = mode
        self.exponential_backoff = bool(exponential_backoff)

    def _accept_deferrable(self, deferrable: bool) -> None:
        """``deferrable=True`` of the sensors Airflow lets defer. A sensor with a trigger
        (:meth:`deferral_trigger`) waits in the triggerer; one without warns at parse time
        and pokes."""
        self.deferrable = bool(deferrable)
        wired = type(self).deferral_trigger is not BaseSensorOperator.deferral_trigger
        if self.deferrable and not wired:
            import warnings

            warnings.warn(
                f"deferrable=True of sensor {self.task_id!r}: Tradewind has no trigger for "
                f"{type(self).__name__} yet, so it pokes in mode={self.mode!r} instead",
                UserWarning,
                stacklevel=3,
            )

    def deferral_trigger(self, context: Mapping[str, Any]) -> Any:
        """The trigger a ``deferrable=True`` sensor waits on in the triggerer; ``None`` where
        Tradewind has none for it (it pokes)."""
        return None

    def execute_complete(self, context: Mapping[str, Any], event: Any = None) -> None:
        """Where a deferred sensor resumes: its trigger fired, so the wait is over."""
        log.info("The trigger fired (%r): the wait is over.", event)

    def resume_execution(
        self, next_method: str, next_kwargs: dict[str, Any] | None, context: Mapping[str, Any]
    ) -> Any:
        """Airflow's sensor semantics after a deferral: a trigger timeout is the sensor's
        timeout (``AirflowSensorTimeout``: failed, not retried, or skipped with
        ``soft_fail``); any other failure is skipped with ``soft_fail``."""
        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except TaskDeferralTimeout as exc:
            if self.soft_fail:
                raise AirflowSkipException(f"{exc} (soft_fail: skipping)") from exc
            raise AirflowSensorTimeout(f"Sensor has timed out: {exc}") from exc
        except (AirflowException, TaskDeferralError) as exc:
            if self.soft_fail and not isinstance(exc, AirflowSkipException):
                raise AirflowSkipException(f"{exc} (soft_fail: skipping)") from exc
            raise

    @property
    def reschedule(self) -> bool:
        return self.mode == "reschedule"

    def poke(self, context: Mapping[str, Any]) -> bool | PokeReturnValue:
        raise NotImplementedError(f"{type(self).__name__} must implement poke()")

    def execute(self, context: Mapping[str, Any]) -> Any:
        deferrable = getattr(self, "deferrable", False)  # only some sensors take it
        trigger = self.deferral_trigger(context) if deferrable else None
        if trigger is not None:
            timeout = timedelta(seconds=self.timeout) if self.timeout is not None else None
            self.defer(trigger=trigger, method_name="execute_complete", timeout=timeout)
        started = self._first_poke(context)
        poke_number = 1
        while True:
            result = self._poke_once(context)
            if result:
                log.info("Success criteria met. Exiting.")
                return result.xcom_value if isinstance(result, PokeReturnValue) else None
            waited = (datetime.now(UTC) - started).total_seconds()
            if self.timeout is not None and waited > self.timeout:
                self._time_out(waited)
            interval = self._next_interval(context, poke_number, started)
            if self.reschedule:
                raise AirflowRescheduleException(datetime.now(UTC) + timedelta(seconds=interval))
            log.info("Condition not met; poking again in %.2fs", interval)
            time.sleep(interval)
            poke_number += 1

    def _first_poke(self, context: Mapping[str, Any]) -> datetime:
        """Now, or in reschedule mode when the try's first poke began (a DB read)."""
        now = datetime.now(UTC)
        if not self.reschedule:
            return now
        ti = context.get("ti")
        first = getattr(ti, "first_poke_date", None)
        earlier = first() if callable(first) else None
        return earlier or now

    def _poke_once(self, context: Mapping[str, Any]) -> bool | PokeReturnValue:
        try:
            return self.poke(context)
        except (AirflowSensorTimeout, AirflowSkipException, AirflowRescheduleException):
            raise
        except Exception:
            if self.silent_fail:
                log.warning("Poke failed; silent_fail is set, so poking again", exc_info=True)
                return False
            raise

    def _time_out(self, waited: float) -> None:
        message = (
            f"Sensor has timed out; run duration of {waited:.1f}s is more than {self.timeout}s"
        )
        if self.soft_fail:
            raise AirflowSkipException(f"{message} (soft_fail: skipping)")
        raise AirflowSensorTimeout(message)

    def _next_interval(
        self, context: Mapping[str, Any], poke_number: int, started: datetime
    ) -> float:
        """The pause before the next poke: ``poke_interval``, or with exponential backoff
        a growing one (capped by ``max_wait``), never past the timeout."""
        interval = self.poke_interval
        if self.exponential_backoff:
            if self.reschedule:
                ti = context.get("ti")
                number = int(getattr(ti, "try_number", 1) or 1)
                poke_number = max(poke_number, _pokes_since(started, interval)) + number - 1
            interval = _backoff(interval, poke_number, self._backoff_key(context))
            if self.timeout is not None:
                waited = (datetime.now(UTC) - started).total_seconds()
                interval = max(min(interval, self.timeout - waited), 0.0)
            if self.max_wait is not None:
                interval = min(interval, self.max_wait)
        return interval

    def _backoff_key(self, context: Mapping[str, Any]) -> str:
        dag = context.get("dag")
        return f"{getattr(dag, 'dag_id', '')}{self.task_id}{context.get('logical_date')}"


def _pokes_since(started: datetime, interval: float) -> int:
    """About how many pokes a rescheduled sensor has made (it keeps no counter)."""
    elapsed = (datetime.now(UTC) - started).total_seconds()
    return 1 + int(elapsed / interval) if interval > 0 else 1


def _backoff(interval: float, poke_number: int, key: str) -> float:
    """Airflow's scheme: ``interval * 2 ** (n-1)`` minus a stable hash-based jitter."""
    min_backoff = max(int(interval * (2 ** (poke_number - 2))), 1)
    digest = int(hashlib.sha1(f"{key}{poke_number}".encode()).hexdigest(), 16)
    modded = min_backoff + digest % min_backoff
    return float(min(modded, interval * 2 ** (poke_number - 1))) if interval else float(modded)
