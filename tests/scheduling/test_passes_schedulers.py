"""Several schedulers on one database: run creation shared out, a slow one not written off.

Fast layer (see ``passes.py``). ``benchmarks/multi_scheduler.py`` runs the real processes:
two schedulers on 2,000 DAGs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.scheduling.passes import EPOCH, PassHarness
from tradewind.authoring.dag import DAG
from tradewind.db.models import DagModel, DagRun, Job
from tradewind.db.models import TaskInstanceState as S
from tradewind.operators.empty import EmptyOperator
from tradewind.states import JobState

DAILY_START = EPOCH.replace(hour=0) - timedelta(days=1)


def daily(dag_id: str) -> DAG:
    """One run due at the fake clock's start: yesterday's interval."""
    with DAG(dag_id, start_date=DAILY_START, schedule="@daily", catchup=False) as dag:
        EmptyOperator(task_id="t")
    return dag


def one_task(dag_id: str) -> DAG:
    with DAG(dag_id, start_date=DAILY_START, schedule=None) as dag:
        EmptyOperator(task_id="t")
    return dag


def dags_with_runs(passes: PassHarness) -> dict[str, int]:
    with passes.db.session() as session:
        rows = session.scalars(select(DagRun.dag_id))
        found: dict[str, int] = {}
        for dag_id in rows:
            found[dag_id] = found.get(dag_id, 0) + 1
        return found


def test_a_pass_creates_runs_for_a_batch_of_due_dags_and_the_next_pass_goes_on(
    passes: PassHarness,
) -> None:
    for n in range(5):
        passes.add_dag(daily(f"daily_{n}"))
    passes.scheduler.dags_per_pass = 2
    first = passes.run_pass()
    assert len(dags_with_runs(passes)) == 2
    assert first.again  # the other three are due too: no waiting for a timer
    passes.settle()
    assert dags_with_runs(passes) == {f"daily_{n}": 1 for n in range(5)}


def test_dags_another_scheduler_is_creating_runs_for_are_skipped_for_the_next_ones(
    passes: PassHarness, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks: several schedulers share a PostgreSQL database only")
    for n in range(5):
        passes.add_dag(daily(f"daily_{n}"))
    passes.scheduler.dags_per_pass = 2
    # The other scheduler's pass holds the first two due DAGs (its transaction is open).
    with passes.db.session() as other:
        other.scalars(
            select(DagModel).where(DagModel.dag_id.in_(["daily_0", "daily_1"])).with_for_update()
        ).all()
        passes.run_pass()
        assert sorted(dags_with_runs(passes)) == ["daily_2", "daily_3"]
    passes.settle()
    assert dags_with_runs(passes) == {f"daily_{n}": 1 for n in range(5)}


def test_a_scheduler_counted_as_down_counts_again_at_its_next_heartbeat(
    passes: PassHarness,
) -> None:
    slow = passes.scheduler
    other = passes.new_scheduler()
    # The slow one's pass took longer than scheduler_health_check_threshold (30 s).
    passes.clock.advance(timedelta(seconds=60))
    other.heartbeat()
    other.recover()
    assert job_state(passes, slow.job_id) == JobState.FAILED
    slow.heartbeat()
    assert job_state(passes, slow.job_id) == JobState.RUNNING
    # What it queues from now on stays queued: the other one no longer hands it back.
    passes.add_dag(one_task("after"))
    run = passes.trigger("after")
    slow.run_pass()
    assert passes.states(run) == {"t": S.QUEUED}
    other.recover()
    assert passes.states(run) == {"t": S.QUEUED}


def job_state(passes: PassHarness, job_id: int | None) -> str:
    with passes.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.state
