"""Planning the runs of DAGs whose timetable is a user's class (see ``PlannedTimetable``).

This runs in the DAG processor's workers, the only processes that import user code. For each
such DAG the worker asks the real timetable for the chain of runs after the DAG's last
automated run: every run already due, then :data:`PLAN_AHEAD` future ones (at most
:data:`MAX_PLANNED` in all). The sync reads the last automated runs before forking the workers
and hands them over in a :class:`PlanContext`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tradewind.authoring.schedules import (
    DagRunInfo,
    DataInterval,
    Plan,
    PlannedTimetable,
    Timetable,
    is_user_timetable,
)
from tradewind.authoring.timezone import utcnow

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG

#: Future runs planned ahead: the scheduler asks for a new plan well before they run out.
PLAN_AHEAD = 5
#: Bound on one plan (a catchup over years of past dates is planned in slices).
MAX_PLANNED = 500


@dataclass(frozen=True)
class PlanContext:
    """What the parse workers need to plan: the clock, the catchup default, the last runs."""

    now: datetime = field(default_factory=utcnow)
    catchup_default: bool = True
    last_intervals: dict[str, DataInterval] = field(default_factory=dict)


def timetable_json(dag: DAG, context: PlanContext | None) -> dict[str, object]:
    """The ``"timetable"`` of a serialized DAG; a user's timetable gets its plan."""
    timetable = dag.timetable
    if not is_user_timetable(timetable):
        return timetable.serialize()
    context = context or PlanContext()
    catchup = context.catchup_default if dag.catchup is None else bool(dag.catchup)
    plan = plan_runs(
        timetable,
        last=context.last_intervals.get(dag.dag_id),
        start_date=dag.effective_start_date,
        end_date=dag.end_date,
        catchup=catchup,
        now=context.now,
    )
    kind = type(timetable)
    return PlannedTimetable(
        f"{kind.__module__}.{kind.__qualname__}",
        timetable.serialize(),
        plan=plan,
        summary=timetable.summary,
        description=timetable.description,
        periodic=timetable.periodic,
        can_be_scheduled=timetable.can_be_scheduled,
    ).serialize()


def plan_runs(
    timetable: Timetable,
    *,
    last: DataInterval | None,
    start_date: datetime | None,
    end_date: datetime | None,
    catchup: bool,
    now: datetime,
) -> Plan:
    """Follow the timetable's chain of runs from ``last``, as the scheduler would."""
    runs: list[DagRunInfo] = []
    ahead = 0
    while len(runs) < MAX_PLANNED and ahead < PLAN_AHEAD:
        if not timetable.can_be_scheduled:
            return Plan(runs=(), complete=True)
        info = timetable.next_run_info(
            last_automated_data_interval=last,
            start_date=start_date,
            end_date=end_date,
            catchup=catchup,
            now=now,
        )
        if info is None:
            return Plan(runs=tuple(runs), complete=True)
        if last is not None and info.data_interval.start <= last.start:
            raise ValueError(
                f"timetable {type(timetable).__qualname__}.next_dagrun_info returned "
                f"{info.data_interval} after {last}: each run's data interval must start "
                f"after the previous one's"
            )
        runs.append(info)
        ahead += info.run_after > now
        last = info.data_interval
    return Plan(runs=tuple(runs), complete=False)
