"""A user's timetable as seen by processes that must not import user code.

The scheduler, the API and the UI never import a user's timetable class (it lives in the
plugins folder, and a plugin could do anything). The DAG processor, which imports DAG files
anyway, asks the real timetable for the next few runs and stores them with the serialized
DAG; :class:`PlannedTimetable` replays that plan. The scheduler asks the DAG processor to plan
again (see :meth:`PlannedTimetable.running_low`) while runs are still left, so a scheduled DAG
never waits for a re-parse.

Stored as Airflow stores a timetable, ``{"__type": import path, "__var": its serialize()}``,
plus ``"__plan"``: what the real timetable said (its summary, flags and the planned runs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradewind.authoring.schedules.base import BuiltinTimetable, DagRunInfo, DataInterval
from tradewind.authoring.timezone import parse_datetime

#: Ask for a new plan when fewer than this many planned runs are left after the last one
#: created.
REFRESH_BELOW = 2


@dataclass(frozen=True)
class Plan:
    """The runs a user's timetable will create next, in order, as its DAG processor saw it."""

    runs: tuple[DagRunInfo, ...]
    #: True when the timetable said "no more runs" after the last one: nothing to refresh.
    complete: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": [
                [
                    info.run_after.isoformat(),
                    info.data_interval.start.isoformat(),
                    info.data_interval.end.isoformat(),
                    info.logical_date.isoformat(),
                ]
                for info in self.runs
            ],
            "complete": self.complete,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        runs = []
        for run_after, start, end, logical in data.get("runs") or []:
            runs.append(
                DagRunInfo(
                    run_after=parse_datetime(run_after),
                    data_interval=DataInterval(parse_datetime(start), parse_datetime(end)),
                    logical_date=parse_datetime(logical),
                )
            )
        return cls(runs=tuple(runs), complete=bool(data.get("complete")))


class PlannedTimetable(BuiltinTimetable):
    """Stand-in for a user's timetable class: answers from the stored :class:`Plan`."""

    def __init__(
        self,
        classpath: str,
        var: dict[str, Any],
        *,
        plan: Plan,
        summary: str,
        description: str | None = None,
        periodic: bool = True,
        can_be_scheduled: bool = True,
    ) -> None:
        self.classpath = classpath
        self.var = var
        self.plan = plan
        self._summary = summary
        self.description = description
        self.periodic = periodic  # type: ignore[misc]
        self.can_be_scheduled = can_be_scheduled  # type: ignore[misc]
        #: Answers :meth:`infer_manual_data_interval` with the real class, elsewhere.
        self.manual_intervals: Callable[[PlannedTimetable, datetime], DataInterval] | None = None

    @property
    def summary(self) -> str:
        return self._summary

    def serialize(self) -> dict[str, Any]:
        return {
            "__type": self.classpath,
            "__var": self.var,
            "__plan": {
                "summary": self._summary,
                "description": self.description,
                "periodic": self.periodic,
                "can_be_scheduled": self.can_be_scheduled,
                **self.plan.to_json(),
            },
        }

    @classmethod
    def from_serialized(cls, data: dict[str, Any]) -> PlannedTimetable:
        plan = data.get("__plan") or {}
        return cls(
            data["__type"],
            dict(data.get("__var") or {}),
            plan=Plan.from_json(plan),
            summary=str(plan.get("summary") or data["__type"].rpartition(".")[2]),
            description=plan.get("description"),
            periodic=bool(plan.get("periodic", True)),
            can_be_scheduled=bool(plan.get("can_be_scheduled", True)),
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
        """The planned run after ``last_automated_data_interval``.

        The plan already applied the DAG's start, end and catchup when it was made; if it
        went stale while nothing ran (a scheduler down for days) and catchup is off, only the
        latest of the runs now due is created, as a timetable asked afresh would do.
        """
        left = self._after(last_automated_data_interval)
        if not left:
            return None
        if not catchup:
            due = [info for info in left if info.run_after <= now]
            if len(due) > 1:
                return due[-1]
        return left[0]

    def running_low(self, last_created: DataInterval | None) -> bool:
        """Whether the DAG processor should plan again: few runs left and more to come."""
        return not self.plan.complete and len(self._after(last_created)) < REFRESH_BELOW

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        """The user's rule cannot run in this process: ``manual_intervals`` asks a process
        that may import it (the DAG-file layer sets it); without one, a manual run covers
        the instant it was made for."""
        if self.manual_intervals is not None:
            return self.manual_intervals(self, run_after)
        return DataInterval.exact(run_after)

    def _after(self, last: DataInterval | None) -> Sequence[DagRunInfo]:
        if last is None:
            return self.plan.runs
        return [info for info in self.plan.runs if info.data_interval.start > last.start]
