"""The timetable interface shared by the scheduler and DAG authors.

A timetable answers two questions from plain values (no DAG object, no user code): "when is
the next automated run?" and "which data interval does a manual run at time T cover?". That
keeps the scheduler working from the serialized DAG alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class DataInterval:
    """The half-open period ``[start, end)`` of data a DAG run processes."""

    start: datetime
    end: datetime

    @classmethod
    def exact(cls, at: datetime) -> DataInterval:
        """A zero-length interval, used by runs that are not tied to a period."""
        return cls(start=at, end=at)


@dataclass(frozen=True)
class DagRunInfo:
    """What the scheduler needs to create one run.

    ``run_after`` is the earliest moment the run may be created; for interval schedules it is
    the end of the data interval, because the data only exists once the period is over.
    """

    logical_date: datetime
    data_interval: DataInterval
    run_after: datetime

    @classmethod
    def interval(cls, start: datetime, end: datetime) -> DagRunInfo:
        return cls(logical_date=start, data_interval=DataInterval(start, end), run_after=end)

    @classmethod
    def exact(cls, at: datetime) -> DagRunInfo:
        return cls(logical_date=at, data_interval=DataInterval.exact(at), run_after=at)


class Timetable(ABC):
    """Base class of every schedule kind."""

    #: The tag stored under ``"__type"`` in :meth:`serialize`.
    type_name: ClassVar[str]
    #: False for timetables that never create runs on their own (only manual triggers).
    can_be_scheduled: ClassVar[bool] = True
    #: True for repeating schedules (cron, timedelta), False for None and @once.
    periodic: ClassVar[bool] = True

    @property
    @abstractmethod
    def summary(self) -> str:
        """A short human description shown in the UI and the API ("0 0 * * *", "@once")."""

    @abstractmethod
    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        """The next automated run after ``last_automated_data_interval``.

        Returned even when it lies in the future (compare ``run_after`` with ``now``); ``None``
        means no automated run will ever be due again.
        """

    @abstractmethod
    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        """The data interval of a run triggered by hand at ``run_after``."""

    def previous_logical_date(self, logical_date: datetime) -> datetime | None:
        """The scheduled logical date before ``logical_date``; ``None`` if the schedule has
        no such notion (Airflow 2's ``prev_execution_date`` in templates)."""
        return None

    def serialize(self) -> dict[str, Any]:
        return {"__type": self.type_name}

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash(repr(sorted(self.serialize().items())))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary!r})"
