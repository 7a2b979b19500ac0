"""What the scheduler does with time: retries, backoff, timeouts, recovery, scheduled runs.

Fast layer (see ``passes.py``): the clock is the test's, so "five minutes later" costs
nothing, and each assertion can stand one second before and at the moment something is due.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.scheduling.passes import EPOCH, PassHarness
from tradewind.authoring.dag import DAG
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import Job
from tradewind.execution.logs import log_path
from tradewind.operators.empty import EmptyOperator
from tradewind.scheduling import recovery
from tradewind.scheduling.scheduler import Scheduler

START = datetime(2024, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)
#: Midnight of the fake clock's first day.
TODAY = EPOCH.replace(hour=0)


def one_task(dag_id: str = "single", **task_args: object) -> DAG:
    with DAG(dag_id, start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="t", **task_args)  # type: ignore[arg-type]
    return dag


def queued_and_running(passes: PassHarness, dag: DAG) -> str:
    passes.add_dag(dag)
    run = passes.trigger(dag.dag_id)
    passes.settle()
    passes.start("t", run)
    return run


# --- retries ----------------------------------------------------------------------------------


def test_a_failed_try_is_queued_again_exactly_when_retry_delay_has_passed(
    passes: PassHarness,
) -> None:
    passes.add_dag(one_task(retries=2, retry_delay=timedelta(minutes=5)))
    run = passes.trigger("single")
    passes.settle()
    failed_at = passes.clock.now
    passes.finish("t", "failed", run)
    result = passes.settle()
    assert passes.states(run) == {"t": "up_for_retry"}
    assert passes.ti(run, "t").next_retry_at == failed_at + timedelta(minutes=5)
    assert result.next_due == failed_at + timedelta(minutes=5)  # the loop wakes right then

    passes.run_pass(advance=timedelta(minutes=5) - SECOND)
    assert passes.states(run) == {"t": "up_for_retry"}
    passes.run_pass(advance=SECOND)
    passes.settle()
    assert passes.states(run) == {"t": "queued"}
    assert [w.try_number for w in passes.executor.queued] == [1, 2]


def test_exponential_backoff_doubles_each_wait_up_to_max_retry_delay(passes: PassHarness) -> None:
    passes.add_dag(
        one_task(
            retries=4,
            retry_delay=timedelta(minutes=1),
            retry_exponential_backoff=True,
            max_retry_delay=timedelta(minutes=5),
        )
    )
    run = passes.trigger("single")
    passes.settle()
    waits = []
    for _ in range(4):
        failed_at = passes.clock.now
        passes.finish("t", "failed", run)
        passes.settle()
        retry_at = passes.ti(run, "t").next_retry_at
        assert retry_at is not None
        wait = retry_at - failed_at
        waits.append(wait.total_seconds())
        passes.run_pass(advance=wait - SECOND)
        assert passes.states(run) == {"t": "up_for_retry"}, "queued before its backoff ended"
        passes.run_pass(advance=SECOND)
        passes.settle()
        assert passes.states(run) == {"t": "queued"}
    assert 60 <= waits[0] < 66 and 120 <= waits[1] < 132 and 240 <= waits[2] < 264
    assert waits[3] == 300  # 480 s and more, capped
    assert [w.try_number for w in passes.executor.queued] == [1, 2, 3, 4, 5]


def test_when_retries_are_used_up_the_task_fails_and_so_does_the_run(passes: PassHarness) -> None:
    with DAG("short_lived", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="t", retries=1, retry_delay=timedelta(seconds=30)) >> EmptyOperator(
            task_id="after"
        )
    passes.add_dag(dag)
    run = passes.trigger("short_lived")
    passes.settle()
    passes.finish("t", "failed", run)
    passes.run_pass(advance=timedelta(seconds=30))
    passes.settle()
    passes.finish("t", "failed", run)
    passes.settle()
    assert passes.states(run) == {"t": "failed", "after": "upstream_failed"}
    assert passes.run_state(run) == "failed"
    assert passes.ti(run, "t").try_number == 2


def test_a_try_whose_process_died_without_a_state_is_retried_and_says_why(
    passes: PassHarness,
) -> None:
    run = queued_and_running(passes, one_task(retries=1, retry_delay=timedelta(minutes=1)))
    passes.die("t", run, returncode=-9)
    passes.run_pass()
    assert passes.states(run) == {"t": "up_for_retry"}
    assert passes.ti(run, "t").next_retry_at == passes.clock.now + timedelta(minutes=1)
    log = log_path(passes.config, "single", run, "t", 1).read_text()
    assert "killed by signal 9" in log and "marked up_for_retry" in log


def test_a_try_that_died_before_it_started_uses_up_a_try(passes: PassHarness) -> None:
    passes.add_dag(one_task())
    run = passes.trigger("single")
    passes.settle()
    passes.die("t", run, returncode=1)  # still queued: it never got to claim the try
    passes.settle()
    ti = passes.ti(run, "t")
    assert (ti.state, ti.try_number) == ("failed", 1)
    assert passes.run_state(run) == "failed"


def test_a_timed_out_try_is_failed_with_the_reason_in_its_log(passes: PassHarness) -> None:
    run = queued_and_running(passes, one_task(execution_timeout=timedelta(seconds=10)))
    passes.executor.report(passes.executor.queued[0].key, reason="timeout", returncode=-9)
    passes.settle()
    assert passes.states(run) == {"t": "failed"}
    assert "execution_timeout" in log_path(passes.config, "single", run, "t", 1).read_text()


def test_a_try_that_refused_to_start_leaves_the_task_instance_alone(passes: PassHarness) -> None:
    passes.add_dag(one_task())
    run = passes.trigger("single")
    passes.settle()
    passes.die("t", run, returncode=recovery.EXIT_NOT_STARTED)  # e.g. a duplicate message
    passes.settle()
    assert passes.ti(run, "t").state == "queued"
    assert passes.ti(run, "t").try_number == 0


def test_a_try_that_recorded_its_failure_is_not_failed_twice(passes: PassHarness) -> None:
    passes.add_dag(one_task(retries=1))
    run = passes.trigger("single")
    passes.settle()
    passes.finish("t", "failed", run)  # records up_for_retry, then its process exits
    passes.run_pass()
    ti = passes.ti(run, "t")
    assert (ti.state, ti.try_number) == ("up_for_retry", 1)


# --- timeouts ---------------------------------------------------------------------------------


def test_dagrun_timeout_fails_the_run_and_skips_what_had_not_finished(
    passes: PassHarness,
) -> None:
    with DAG("bounded", start_date=START, schedule=None, dagrun_timeout=timedelta(hours=1)) as dag:
        EmptyOperator(task_id="quick") >> EmptyOperator(task_id="slow")
        EmptyOperator(task_id="never")
    passes.add_dag(dag)
    passes.executor.parallelism = 1
    run = passes.trigger("bounded")
    started = passes.clock.now
    passes.settle()
    passes.finish("quick", "success", run)
    result = passes.settle()
    assert result.next_due == started + timedelta(hours=1)

    passes.run_pass(advance=timedelta(hours=1) - SECOND)
    assert passes.run_state(run) == "running"
    passes.run_pass(advance=SECOND)
    assert passes.run_state(run) == "failed"
    assert passes.run(run).end_date == started + timedelta(hours=1)
    assert passes.states(run) == {"quick": "success", "slow": "skipped", "never": "skipped"}


def test_a_try_queued_past_task_queued_timeout_is_queued_again(passes: PassHarness) -> None:
    timeout = timedelta(seconds=passes.scheduler.queued_timeout)
    passes.add_dag(one_task())
    run = passes.trigger("single")
    passes.settle()
    passes.clock.advance(timeout)
    passes.housekeeping()
    assert passes.states(run) == {"t": "queued"}  # not yet: exactly at the limit

    passes.clock.advance(SECOND)
    passes.housekeeping()
    assert passes.states(run) == {"t": "scheduled"}
    passes.settle()
    assert passes.states(run) == {"t": "queued"}
    assert [w.try_number for w in passes.executor.queued] == [1, 1]  # the same try again


def test_a_running_try_that_stopped_heartbeating_is_failed_as_a_zombie(
    passes: PassHarness,
) -> None:
    threshold = timedelta(seconds=passes.scheduler.zombie_threshold)
    run = queued_and_running(passes, one_task(retries=1))
    passes.clock.advance(threshold - SECOND)
    passes.housekeeping()
    assert passes.states(run) == {"t": "running"}

    passes.clock.advance(2 * SECOND)
    passes.housekeeping()
    assert passes.states(run) == {"t": "up_for_retry"}
    log = log_path(passes.config, "single", run, "t", 1).read_text()
    assert "No heartbeat from the task" in log


# --- schedulers that died -----------------------------------------------------------------------


def test_what_a_dead_scheduler_queued_is_taken_over_by_the_next(passes: PassHarness) -> None:
    passes.add_dag(one_task())
    run = passes.trigger("single")
    passes.settle()
    first_job = passes.scheduler.job_id
    passes.clock.advance(timedelta(seconds=passes.scheduler.health_threshold) + SECOND)

    second = passes.new_scheduler()  # its start recovers what the silent one left
    assert passes.states(run) == {"t": "scheduled"}
    with passes.db.session() as session:
        job = session.get(Job, first_job)
        assert job is not None and job.state == "failed"
    second.run_pass()
    assert passes.ti(run, "t").queued_by_job_id == second.job_id


def test_a_live_schedulers_queued_tries_are_left_to_it(passes: PassHarness) -> None:
    passes.add_dag(one_task())
    run = passes.trigger("single")
    passes.settle()
    passes.clock.advance(timedelta(seconds=passes.scheduler.health_threshold) + SECOND)
    passes.scheduler.heartbeat()
    passes.new_scheduler()
    assert passes.ti(run, "t").queued_by_job_id == passes.scheduler.job_id
    assert passes.states(run) == {"t": "queued"}


# --- scheduled runs -----------------------------------------------------------------------------


def daily(dag_id: str, *, catchup: bool, **dag_args: object) -> DAG:
    """A daily DAG that started three days before the fake clock's first day."""
    start = TODAY - timedelta(days=3)
    with DAG(dag_id, start_date=start, schedule="@daily", catchup=catchup, **dag_args) as dag:  # type: ignore[arg-type]
        EmptyOperator(task_id="t")
    return dag


def scheduled_dates(passes: PassHarness, dag_id: str) -> list[datetime]:
    return [run.execution_date for run in passes.runs(dag_id) if run.run_type == "scheduled"]


def test_a_daily_run_is_created_when_its_day_has_ended(passes: PassHarness) -> None:
    passes.add_dag(daily("nightly", catchup=False))
    result = passes.settle()
    assert scheduled_dates(passes, "nightly") == [TODAY - timedelta(days=1)]
    assert result.next_due == TODAY + timedelta(days=1)  # the loop sleeps until then

    passes.clock.now = TODAY + timedelta(days=1) - SECOND
    passes.settle()
    assert len(scheduled_dates(passes, "nightly")) == 1
    passes.clock.now = TODAY + timedelta(days=1)
    passes.settle()
    assert scheduled_dates(passes, "nightly") == [TODAY - timedelta(days=1), TODAY]


def test_catchup_creates_a_run_for_every_missed_day(passes: PassHarness) -> None:
    passes.add_dag(daily("backlog", catchup=True))
    passes.settle()
    assert scheduled_dates(passes, "backlog") == [TODAY - timedelta(days=d) for d in (3, 2, 1)]


def test_scheduled_runs_wait_for_max_active_runs(passes: PassHarness) -> None:
    passes.add_dag(daily("one_by_one", catchup=True, max_active_runs=1))
    passes.settle()
    (first,) = passes.runs("one_by_one")
    passes.finish("t", "success", first.run_id)
    passes.settle()
    runs = passes.runs("one_by_one")
    assert [run.state for run in runs] == ["success", "running"]


def test_a_paused_dag_gets_no_scheduled_runs_until_unpaused(passes: PassHarness) -> None:
    passes.add_dag(daily("resting", catchup=False), paused=True)
    passes.settle()
    assert passes.runs("resting") == []
    passes.set_paused("resting", False)
    passes.settle()
    assert len(scheduled_dates(passes, "resting")) == 1


def test_depends_on_past_waits_for_the_same_task_in_the_previous_run(
    passes: PassHarness,
) -> None:
    with DAG("ordered", start_date=START, schedule=None, max_active_runs=2) as dag:
        EmptyOperator(task_id="t", depends_on_past=True)
    passes.add_dag(dag)
    earlier = passes.trigger("ordered", execution_date=START)
    later = passes.trigger("ordered", execution_date=START + timedelta(days=1))
    passes.settle()
    assert passes.states(earlier) == {"t": "queued"}
    assert passes.states(later) == {"t": None}
    passes.finish("t", "success", earlier)
    passes.settle()
    assert passes.states(later) == {"t": "queued"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_a_clock_the_scheduler_runs_on_real_time_and_a_pass_may_be_given_its_own(
    db_config: Config, database: Database
) -> None:
    passes = PassHarness(db_config, database)
    scheduler = Scheduler(db_config, database, passes.executor, sync_dag_folder=False)
    scheduler.start_job()
    passes.add_dag(one_task())
    run = passes.trigger("single")
    scheduler.run_pass(now=EPOCH)
    assert passes.run(run).start_date == passes.ti(run, "t").queued_dttm == EPOCH

    passes.finish("t", "success", run)
    before = datetime.now(UTC)
    scheduler.run_pass()
    ended = passes.run(run).end_date
    assert ended is not None and before <= ended <= datetime.now(UTC)
