"""The timetable interface shared by the scheduler and DAG authors.

A timetable answers two questions from plain values (no DAG object, no database): "when is
the next automated run?" and "which data interval does a manual run at time T cover?".

Two entry points ask the first question:

- :meth:`Timetable.next_dagrun_info` is Airflow's public contract, the one users' own
  timetables implement: the DAG's start, end and catchup come as one :class:`TimeRestriction`
  and "now" is the wall clock.
- :meth:`Timetable.next_run_info` is what Tradewind's own code calls. It takes ``now``
  explicitly, so the scheduler asks each built-in with the pass's clock (one clock per pass,
  steppable in tests). Its default adapts to ``next_dagrun_info``; the built-ins override it
  and implement ``next_dagrun_info`` on top of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from tradewind.authoring.timezone import utcnow


class TimeRestriction(NamedTuple):
    """The DAG's bounds on automated runs: ``start_date``, ``end_date`` and ``catchup``."""

    earliest: datetime | None
    latest: datetime | None
    catchup: bool


@dataclass(frozen=True)
class DataInterval:
    """The half-open period ``[start, end)`` of data a DAG run processes."""

    start: datetime
    end: datetime

    @classmethod
    def exact(cls, at: datetime) -> DataInterval:
        """A zero-length interval, used by runs that are not tied to a period."""
        return cls(start=at, end=at)

    def __iter__(self) -> Iterator[datetime]:
        """``start, end = interval``, as with Airflow's named tuple."""
        return iter((self.start, self.end))


@dataclass(frozen=True)
class DagRunInfo:
    """What the scheduler needs to create one run.

    ``run_after`` is the earliest moment the run may be created; for interval schedules it is
    the end of the data interval, because the data only exists once the period is over.
    ``logical_date`` defaults to the start of the data interval, as in Airflow, so
    ``DagRunInfo(run_after=..., data_interval=...)`` reads the same as there.
    """

    run_after: datetime
    data_interval: DataInterval
    logical_date: datetime = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.logical_date is None:
            object.__setattr__(self, "logical_date", self.data_interval.start)

    @classmethod
    def interval(cls, start: datetime, end: datetime) -> DagRunInfo:
        """A run covering ``[start, end)``, due once the interval is over."""
        return cls(logical_date=start, data_interval=DataInterval(start, end), run_after=end)

    @classmethod
    def exact(cls, at: datetime) -> DagRunInfo:
        """A run at ``at`` covering no period."""
        return cls(logical_date=at, data_interval=DataInterval.exact(at), run_after=at)


class Timetable:
    """Base class of every schedule kind, built-in or a user's (Airflow's interface)."""

    #: The tag built-ins store under ``"__type"`` in :meth:`serialize`; a user's timetable
    #: leaves it empty and is stored under its import path instead.
    type_name: ClassVar[str] = ""
    #: False for timetables that never create runs on their own (only manual triggers).
    can_be_scheduled: ClassVar[bool] = True
    #: True for repeating schedules (cron, timedelta), False for None and @once.
    periodic: ClassVar[bool] = True
    #: How the UI orders this DAG's runs (Airflow's attribute; kept for its users).
    run_ordering: ClassVar[Sequence[str]] = ("data_interval_end", "execution_date")
    #: A longer human description; Airflow's attribute, shown next to the summary.
    description: str | None = None
    #: Airflow's cap on active runs a timetable may impose; ``None`` means the DAG's own.
    active_runs_limit: int | None = None

    @property
    def summary(self) -> str:
        """A short human description shown in the UI and the API ("0 0 * * *", "@once")."""
        return type(self).__name__

    def validate(self) -> None:
        """Raise (any exception, with a message for the DAG author) if the arguments are
        unusable; called when the DAG is defined, as Airflow does."""

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        """Airflow's contract: the next automated run after ``last_automated_data_interval``
        within ``restriction``, or ``None`` if no automated run will be due again.

        Returned even when it lies in the future: the scheduler compares ``run_after`` with
        the clock. A user's timetable must override this.
        """
        raise NotImplementedError(
            f"{type(self).__qualname__} must implement next_dagrun_info(*, "
            f"last_automated_data_interval, restriction)"
        )

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        """Tradewind's entry point: :meth:`next_dagrun_info` with an explicit ``now``.

        The default ignores ``now`` (a user's timetable reads the clock itself, as in
        Airflow); built-ins override it to use the caller's clock.
        """
        return self.next_dagrun_info(
            last_automated_data_interval=last_automated_data_interval,
            restriction=TimeRestriction(start_date, end_date, catchup),
        )

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        """The data interval of a run triggered by hand at ``run_after``."""
        raise NotImplementedError(
            f"{type(self).__qualname__} must implement infer_manual_data_interval(*, run_after)"
        )

    def previous_logical_date(self, logical_date: datetime) -> datetime | None:
        """The scheduled logical date before ``logical_date``; ``None`` if the schedule has
        no such notion (Airflow 2's ``prev_execution_date`` in templates)."""
        return None

    def serialize(self) -> dict[str, Any]:
        """The values :meth:`deserialize` rebuilds this timetable from (JSON-safe).

        Built-ins include their ``"__type"`` tag; a user's timetable returns only its own
        values, which Tradewind stores as ``{"__type": import path, "__var": ...}``.
        """
        return {"__type": self.type_name} if self.type_name else {}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        """Inverse of :meth:`serialize` for a user's timetable (Airflow's classmethod)."""
        return cls()

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash(repr(sorted(self.serialize().items())))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary!r})"


class BuiltinTimetable(Timetable):
    """A timetable whose next run Tradewind works out with the caller's clock.

    Subclasses implement :meth:`next_run_info`; Airflow's :meth:`next_dagrun_info` is that
    with the wall clock as ``now``.
    """

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
    ) -> DagRunInfo | None:
        return self.next_run_info(
            last_automated_data_interval=last_automated_data_interval,
            start_date=restriction.earliest,
            end_date=restriction.latest,
            catchup=restriction.catchup,
            now=utcnow(),
        )

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        raise NotImplementedError  # pragma: no cover - every built-in overrides it
