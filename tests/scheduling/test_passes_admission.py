"""Admission, one pass at a time: parallelism, pools, max_active_tasks/runs, priority.

Fast layer (see ``passes.py``): a real database, a fake clock, an executor that records.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.scheduling.passes import PassHarness
from tradewind.authoring.dag import DAG
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.operators.empty import EmptyOperator
from tradewind.scheduling.admission import AdmissionFilter
from tradewind.scheduling.scheduler import Scheduler

START = datetime(2024, 1, 1, tzinfo=UTC)


def fan_out(dag_id: str, count: int, **dag_args: object) -> DAG:
    """``count`` independent tasks t0, t1, ..."""
    with DAG(dag_id, start_date=START, schedule=None, **dag_args) as dag:  # type: ignore[arg-type]
        for i in range(count):
            EmptyOperator(task_id=f"t{i}")
    return dag


def test_parallelism_caps_queued_tries_across_dags_and_a_finished_try_frees_its_slot(
    passes: PassHarness,
) -> None:
    passes.executor.parallelism = 3
    passes.add_dag(fan_out("a", 4))
    passes.add_dag(fan_out("b", 4))
    run_a, run_b = passes.trigger("a"), passes.trigger("b")
    passes.settle()
    assert len(passes.executor.queued) == 3
    assert passes.executor.open_slots == 0

    first = passes.executor.queued[0]
    passes.finish(first.task_id, "success", first.run_id)
    passes.settle()
    assert len(passes.executor.queued) == 4
    states = [*passes.states(run_a).values(), *passes.states(run_b).values()]
    assert states.count("queued") == 3 and states.count("success") == 1


def test_pool_slots_limit_what_is_queued_and_a_task_may_take_several(passes: PassHarness) -> None:
    passes.add_pool("small", 2)
    with DAG("pooled", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="big", pool="small", pool_slots=2, priority_weight=10)
        for i in range(3):
            EmptyOperator(task_id=f"t{i}", pool="small")
    passes.add_dag(dag)
    run = passes.trigger("pooled")
    passes.settle()
    assert passes.queued_tasks() == ["big"]  # the heaviest goes first and fills the pool

    passes.finish("big", "success", run)
    passes.settle()
    assert passes.queued_tasks() == ["big", "t0", "t1"]
    assert passes.states(run)["t2"] == "scheduled"


def test_a_task_too_big_for_the_room_left_does_not_block_smaller_ones(
    passes: PassHarness,
) -> None:
    passes.add_pool("small", 2)
    with DAG("pooled", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="one", pool="small", priority_weight=10)
        EmptyOperator(task_id="two_slots", pool="small", pool_slots=2, priority_weight=5)
        EmptyOperator(task_id="another", pool="small", priority_weight=1)
    passes.add_dag(dag)
    run = passes.trigger("pooled")
    passes.settle()
    assert passes.queued_tasks() == ["one", "another"]
    assert passes.states(run)["two_slots"] == "scheduled"


def test_pool_with_minus_one_slots_is_unlimited(passes: PassHarness) -> None:
    passes.add_pool("open", -1)
    with DAG("wide", start_date=START, schedule=None, max_active_tasks=100) as dag:
        for i in range(40):
            EmptyOperator(task_id=f"t{i}", pool="open", pool_slots=5)
    passes.add_dag(dag)
    passes.trigger("wide")
    passes.settle()
    assert len(passes.executor.queued) == 32  # only [core] parallelism stops it


def test_a_task_naming_an_unknown_pool_waits_until_the_pool_exists(passes: PassHarness) -> None:
    with DAG("lost", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="waits", pool="later")
        EmptyOperator(task_id="runs")
    passes.add_dag(dag)
    run = passes.trigger("lost")
    passes.settle()
    assert passes.states(run) == {"waits": "scheduled", "runs": "queued"}

    passes.add_pool("later", 1)
    passes.settle()
    assert passes.states(run)["waits"] == "queued"


def test_max_active_tasks_caps_one_dag_without_holding_back_another(passes: PassHarness) -> None:
    passes.add_dag(fan_out("capped", 6, max_active_tasks=2))
    passes.add_dag(fan_out("free", 3))
    capped, free = passes.trigger("capped"), passes.trigger("free")
    passes.settle()
    assert list(passes.states(capped).values()).count("queued") == 2
    assert set(passes.states(free).values()) == {"queued"}

    passes.finish("t0", "success", capped)
    passes.settle()
    assert list(passes.states(capped).values()).count("queued") == 2
    assert list(passes.states(capped).values()).count("success") == 1


def test_max_active_tasks_counts_tasks_of_every_run_of_the_dag(passes: PassHarness) -> None:
    passes.add_dag(fan_out("capped", 2, max_active_tasks=3, max_active_runs=5))
    first, second = passes.trigger("capped"), passes.trigger("capped")
    passes.settle()
    queued = [
        *passes.states(first).values(),
        *passes.states(second).values(),
    ]
    assert queued.count("queued") == 3
    assert set(passes.states(first).values()) == {"queued"}  # the older run goes first


def test_dags_without_max_active_tasks_get_the_configured_default(
    db_config: Config, database: Database
) -> None:
    config = db_config.with_overrides({("core", "max_active_tasks_per_dag"): "4"})
    harness = PassHarness(config, database)
    harness.add_dag(fan_out("plain", 10))
    run = harness.trigger("plain")
    harness.settle()
    assert list(harness.states(run).values()).count("queued") == 4


def test_max_active_runs_keeps_extra_runs_queued_until_one_finishes(passes: PassHarness) -> None:
    passes.add_dag(fan_out("one_at_a_time", 1, max_active_runs=1))
    runs = [passes.trigger("one_at_a_time") for _ in range(3)]
    passes.settle()
    assert [passes.run_state(r) for r in runs] == ["running", "queued", "queued"]
    assert passes.run(runs[0]).start_date == passes.clock.now

    passes.finish("t0", "success", runs[0])
    passes.settle()
    assert [passes.run_state(r) for r in runs] == ["success", "running", "queued"]
    assert passes.queued_tasks() == ["t0", "t0"]
    assert passes.executor.queued[1].run_id == runs[1]


def test_higher_priority_weight_is_queued_first(passes: PassHarness) -> None:
    passes.executor.parallelism = 1
    with DAG("ranked", start_date=START, schedule=None) as dag:
        for name, weight in [("low", 1), ("high", 9), ("mid", 5)]:
            EmptyOperator(task_id=name, priority_weight=weight)
    passes.add_dag(dag)
    run = passes.trigger("ranked")
    for _ in range(3):
        passes.settle()
        passes.finish(passes.executor.queued[-1].task_id, "success", run)
    assert passes.queued_tasks() == ["high", "mid", "low"]


def test_upstream_tasks_weigh_what_waits_downstream_of_them(passes: PassHarness) -> None:
    """The default weight rule (downstream): a task on a long chain is queued before a loner."""
    passes.executor.parallelism = 1
    with DAG("chains", start_date=START, schedule=None) as dag:
        head = EmptyOperator(task_id="head")
        head >> EmptyOperator(task_id="middle") >> EmptyOperator(task_id="tail")
        EmptyOperator(task_id="alone")
    passes.add_dag(dag)
    passes.trigger("chains")
    passes.settle()
    assert passes.queued_tasks() == ["head"]


def test_priority_weight_orders_waiting_tasks_across_dags_then_older_runs_first(
    passes: PassHarness,
) -> None:
    passes.executor.parallelism = 1
    with DAG("urgent", start_date=START, schedule=None) as urgent:
        EmptyOperator(task_id="u", priority_weight=50)
    passes.add_dag(fan_out("routine", 1, max_active_runs=5))
    passes.add_dag(urgent)
    older = passes.trigger("routine", execution_date=START)
    newer = passes.trigger("routine", execution_date=START + timedelta(days=1))
    passes.trigger("urgent", execution_date=START + timedelta(days=2))
    order = []
    for _ in range(3):
        passes.settle()
        workload = passes.executor.queued[-1]
        order.append((workload.dag_id, workload.run_id))
        passes.finish(workload.task_id, "success", workload.run_id)
    assert order == [("urgent", order[0][1]), ("routine", older), ("routine", newer)]


def test_a_paused_dag_keeps_its_run_queued_until_unpaused(passes: PassHarness) -> None:
    passes.add_dag(fan_out("sleepy", 1), paused=True)
    run = passes.trigger("sleepy")
    passes.settle()
    assert passes.run_state(run) == "queued"
    assert passes.executor.queued == []

    passes.set_paused("sleepy", False)
    passes.settle()
    assert passes.run_state(run) == "running"
    assert passes.queued_tasks() == ["t0"]


def test_pausing_a_dag_stops_queuing_its_scheduled_tasks(passes: PassHarness) -> None:
    with DAG("chain", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="first") >> EmptyOperator(task_id="second")
    passes.add_dag(dag)
    run = passes.trigger("chain")
    passes.settle()
    passes.set_paused("chain", True)
    passes.finish("first", "success", run)
    passes.settle()
    assert passes.states(run)["second"] == "scheduled"
    assert passes.queued_tasks() == ["first"]


def test_a_workload_says_which_try_to_run_and_how(passes: PassHarness) -> None:
    with DAG("described", start_date=START, schedule=None) as dag:
        EmptyOperator(
            task_id="t",
            queue="gpu",
            priority_weight=7,
            execution_timeout=timedelta(minutes=2),
        )
    passes.add_dag(dag)
    run = passes.trigger("described")
    passes.settle()
    (workload,) = passes.executor.queued
    assert (workload.dag_id, workload.run_id, workload.task_id) == ("described", run, "t")
    assert workload.try_number == 1
    assert (workload.queue, workload.pool, workload.priority_weight) == ("gpu", "default_pool", 7)
    assert workload.execution_timeout == 120.0
    assert workload.fileloc == dag.fileloc
    ti = passes.ti(run, "t")
    assert ti.queued_dttm == passes.clock.now
    assert ti.queued_by_job_id == passes.scheduler.job_id


def test_a_queued_try_is_handed_to_the_executor_once(passes: PassHarness) -> None:
    passes.add_dag(fan_out("once", 2))
    passes.trigger("once")
    for _ in range(5):
        passes.run_pass(advance=timedelta(seconds=1))
    assert sorted(passes.queued_tasks()) == ["t0", "t1"]


def test_a_backfill_scheduler_runs_only_its_own_runs_even_of_a_paused_dag(
    passes: PassHarness,
) -> None:
    passes.add_dag(fan_out("history", 1, max_active_runs=5), paused=True)
    mine = passes.trigger("history", execution_date=START)
    other = passes.trigger("history", execution_date=START + timedelta(days=1))
    backfill = Scheduler(
        passes.config,
        passes.db,
        passes.executor,
        only=AdmissionFilter(dag_id="history", run_ids=frozenset({mine}), ignore_paused=True),
        job_type="BackfillJob",
        clock=passes.clock,
    )
    backfill.start_job()
    backfill.run_pass()
    assert passes.run_state(mine) == "running"
    assert passes.states(mine) == {"t0": "queued"}
    assert passes.run_state(other) == "queued"
    assert [w.run_id for w in passes.executor.queued] == [mine]
