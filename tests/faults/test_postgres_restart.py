"""PostgreSQL restarted under a running installation: nothing lost, nothing run twice.

The server is stopped in each of its shutdown modes (``fast`` rolls back sessions and
exits; ``immediate`` exits at once, like a crash, and recovers from WAL on start) while
tries are in flight, kept down long enough for the API to be asked, then started again.
The scheduler, its runner host and the webserver must carry on by themselves.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.faults.private_postgres import PrivatePostgres
from tests.faults.stack import TRIGGERED_DAG, OutageProbe, Stack, fanout_dag

pytestmark = pytest.mark.slow

WIDTH = 200
RUNS = 50
#: How long the server stays down: the API is probed meanwhile.
DOWNTIME = 2.0


def restart(server: PrivatePostgres, stack: Stack, mode: str) -> OutageProbe:
    """Stop the server in ``mode``, probe the API while it is down, start it again."""
    probe = OutageProbe()
    server.stop(mode)
    down_until = time.monotonic() + DOWNTIME
    while time.monotonic() < down_until:
        probe.probe(stack)
        time.sleep(0.2)
    server.start()
    return probe


def assert_logged_outage(stack: Stack) -> None:
    """The outage is in the logs, and the scheduler listens for triggers again."""
    stack.harness.wait_for(
        lambda: "LISTEN tradewind_scheduler connection restored" in stack.harness.scheduler_log(),
        15,
        "the scheduler to listen for wake-ups again",
    )
    assert "Metadata database unavailable for" in stack.webserver_log()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_restart_during_a_200_task_fan_out(
    private_postgres: PrivatePostgres, pg_stack: Stack, mode: str
) -> None:
    harness = pg_stack.harness
    harness.add_dag("fanout", fanout_dag(WIDTH))
    harness.add_dag("triggered", TRIGGERED_DAG)
    harness.sync()
    pg_stack.start()

    pg_stack.trigger("fanout", "fan", "2024-01-01T00:00:00+00:00")
    harness.wait_for(lambda: len(pg_stack.starts()) >= 40, 60, "40 tasks to start")
    before = pg_stack.pids()  # the runner host starts its zygote with the first try
    in_flight = len(pg_stack.starts())
    probe = restart(private_postgres, pg_stack, mode)
    probe.check()

    assert harness.wait_run("fanout", "fan", timeout=75) == "success"
    tis = harness.tis("fanout", "fan")
    assert {ti.state for ti in tis.values()} == {"success"}
    assert {ti.try_number for ti in tis.values()} == {1}
    starts = pg_stack.starts()
    assert len(starts) == WIDTH and set(starts.values()) == {1}, starts.most_common(3)
    assert "probe" not in {run.run_id for run in harness.runs("triggered")}
    pg_stack.assert_survived(before)
    assert_logged_outage(pg_stack)
    print(
        f"\nSURVIVED: PostgreSQL '{mode}' restart after {in_flight}/{WIDTH} tasks had started;"
        f" {WIDTH} tasks succeeded at try 1, each started once; {probe.summary()};"
        f" scheduler, runner host and webserver kept their pids {before}"
    )


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_restart_during_50_triggered_runs(
    private_postgres: PrivatePostgres, pg_stack: Stack, mode: str
) -> None:
    harness = pg_stack.harness
    harness.add_dag("fanout", fanout_dag(1))
    harness.add_dag("triggered", TRIGGERED_DAG)
    harness.sync()
    pg_stack.start()

    run_ids = [f"run_{i:02d}" for i in range(RUNS)]
    dates = {run_id: f"2024-01-01T00:{i:02d}:00+00:00" for i, run_id in enumerate(run_ids)}
    for run_id in run_ids[: RUNS // 2]:
        pg_stack.trigger("triggered", run_id, dates[run_id])
    harness.wait_for(lambda: len(pg_stack.starts()) >= 10, 60, "10 tasks to start")
    before = pg_stack.pids()  # the runner host starts its zygote with the first try
    probe = restart(private_postgres, pg_stack, mode)
    waited = max(
        pg_stack.trigger("triggered", run_id, dates[run_id]) for run_id in run_ids[RUNS // 2 :]
    )
    probe.check()

    for run_id in run_ids:
        assert harness.wait_run("triggered", run_id, timeout=75) == "success", run_id
        tis = harness.tis("triggered", run_id)
        assert {(ti.state, ti.try_number) for ti in tis.values()} == {("success", 1)}, run_id
    starts = pg_stack.starts()
    expected = {f"{run_id} {task}" for run_id in run_ids for task in ("first", "second")}
    assert set(starts) == expected and set(starts.values()) == {1}, starts.most_common(3)
    assert "probe" not in {run.run_id for run in harness.runs("triggered")}
    pg_stack.assert_survived(before)
    assert_logged_outage(pg_stack)
    print(
        f"\nSURVIVED: PostgreSQL '{mode}' restart during {RUNS} triggered runs;"
        f" all {RUNS} runs succeeded, {len(expected)} tasks at try 1, each started once;"
        f" {probe.summary()}; triggers after the restart waited at most {waited:.2f}s;"
        f" scheduler, runner host and webserver kept their pids {before}"
    )


def test_an_outage_longer_than_the_zombie_threshold_fails_no_running_try(
    private_postgres: PrivatePostgres, pg_stack: Stack
) -> None:
    """Running tries cannot be heartbeated while the database is down, so once it is back
    their heartbeats are old. A runner host retries its heartbeat with a pause of up to 5 s
    (here: held back 3 s by pausing it, while the scheduler is back within about 1.5 s), so
    the scheduler must not take those tries for zombies before their host had the time to
    heartbeat again."""
    harness = pg_stack.harness
    harness.env["TRADEWIND__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD"] = "4"
    harness.add_dag("fanout", fanout_dag(8, seconds=12))
    harness.sync()
    pg_stack.start()
    pg_stack.trigger("fanout", "long", "2024-01-01T00:00:00+00:00")
    harness.wait_for(lambda: len(pg_stack.starts()) == 8, 60, "the 8 tasks to start")
    before = pg_stack.pids()  # the runner host starts its zygote with the first try
    private_postgres.stop("fast")
    os.kill(before.runner_host, signal.SIGSTOP)
    try:
        # Longer than the zombie threshold, and timed so that the scheduler's backoff
        # (0.05 s doubling: passes at about 3.2 and 6.4 s) brings it back soon after.
        time.sleep(5.5)
        private_postgres.start()
        time.sleep(3)
    finally:
        os.kill(before.runner_host, signal.SIGCONT)

    assert harness.wait_run("fanout", "long", timeout=60) == "success"
    tis = harness.tis("fanout", "long")
    assert {(ti.state, ti.try_number) for ti in tis.values()} == {("success", 1)}
    assert set(pg_stack.starts().values()) == {1}
    pg_stack.assert_survived(before)
    print(
        "\nSURVIVED: PostgreSQL down 5.5 s (zombie threshold 4 s) under 8 running tries,"
        " their runner host back 3 s after the database: no try taken for a zombie, all"
        " succeeded at try 1"
    )
