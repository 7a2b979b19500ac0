"""Backfill: create runs for past intervals of a DAG and run them now, in this process.

Runs are ``backfill__<logical date>`` with run type ``backfill``. They run even if the DAG
is paused, through the configured executor, driven by a scheduler loop limited to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, DagRunState, RunType
from tradewind.exceptions import BadRequest


@dataclass
class BackfillResult:
    run_ids: list[str]
    states: dict[str, str]


def backfill_run_id(logical_date: datetime) -> str:
    return f"backfill__{logical_date.isoformat()}"


def create_backfill_runs(db: Database, dag_id: str, start: datetime, end: datetime) -> list[str]:
    """Create (or reuse unfinished) runs for every interval whose logical date is in range."""
    from tradewind.dagfiles.stored import load_serialized_dag
    from tradewind.operations.dags import require_dag

    if end < start:
        raise BadRequest(f"backfill end {end.isoformat()} is before its start {start.isoformat()}")
    now = datetime.now(UTC)
    run_ids: list[str] = []
    with db.session() as session:
        require_dag(session, dag_id)
        sdag = load_serialized_dag(session, dag_id)
        existing = {
            run.execution_date: run
            for run in session.scalars(select(DagRun).where(DagRun.dag_id == dag_id))
        }
        begin = max(start, sdag.start_date) if sdag.start_date else start
        info = sdag.timetable.next_run_info(
            last_automated_data_interval=None,
            start_date=begin,
            end_date=end,
            catchup=True,
            now=now,
        )
        while info is not None and info.logical_date <= end:
            run = existing.get(info.logical_date)
            if run is None:
                run = DagRun(
                    dag_id=dag_id,
                    run_id=backfill_run_id(info.logical_date),
                    execution_date=info.logical_date,
                    data_interval_start=info.data_interval.start,
                    data_interval_end=info.data_interval.end,
                    state=DagRunState.QUEUED,
                    run_type=RunType.BACKFILL,
                    external_trigger=False,
                    queued_at=now,
                    triggered_by="backfill",
                )
                session.add(run)
                run_ids.append(run.run_id)
            elif run.state not in DagRunState.FINISHED:
                run_ids.append(run.run_id)
            info = sdag.timetable.next_run_info(
                last_automated_data_interval=info.data_interval,
                start_date=begin,
                end_date=end,
                catchup=True,
                now=now,
            )
            if not sdag.timetable.periodic:
                break
    return run_ids


class BackfillWatcher(Protocol):
    """Told how many runs there are, then of each as it ends (the CLI's progress bar)."""

    def begin(self, total: int) -> None: ...

    def run_finished(self, run_id: str, state: str) -> None: ...


def run_backfill(
    config: Config,
    db: Database,
    dag_id: str,
    start: datetime,
    end: datetime,
    watcher: BackfillWatcher | None = None,
) -> BackfillResult:
    """Create the runs, then drive them to a final state with the configured executor."""
    from tradewind.scheduling.admission import AdmissionFilter
    from tradewind.scheduling.scheduler import Scheduler

    run_ids = create_backfill_runs(db, dag_id, start, end)
    if not run_ids:
        return BackfillResult([], {})
    wanted = frozenset(run_ids)
    reported: set[str] = set()
    if watcher is not None:
        watcher.begin(len(run_ids))

    def states() -> dict[str, str]:
        with db.read_session() as session:
            rows = session.execute(
                select(DagRun.run_id, DagRun.state).where(
                    DagRun.dag_id == dag_id, DagRun.run_id.in_(wanted)
                )
            ).all()
        return dict(rows)

    def finished() -> bool:
        now = states()
        if watcher is not None:
            for run_id in run_ids:  # in date order, as the runs were created
                state = now.get(run_id)
                if state in DagRunState.FINISHED and run_id not in reported:
                    reported.add(run_id)
                    watcher.run_finished(run_id, str(state))
        return all(state in DagRunState.FINISHED for state in now.values())

    scheduler = Scheduler(
        config,
        db,
        only=AdmissionFilter(dag_id=dag_id, run_ids=wanted, ignore_paused=True),
        job_type="BackfillJob",
    )
    scheduler.run(until=finished)
    return BackfillResult(run_ids, states())
