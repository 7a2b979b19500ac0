"""``tradewind scheduler`` stopped while tries run: by SIGTERM, or killed outright.

SIGTERM: tries that end within ``[core] shutdown_grace`` are recorded, the rest are killed
and failed or retried, and the process (with its runner host, zygotes and tries) is gone
within the grace. Killed outright: the next scheduler finishes what was left.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.faults_process.stoppable import (
    STOPPABLE,
    kill_quietly,
    running_tis,
    try_pids,
    wait_gone,
)
from tests.processes import descendants
from tests.scheduling.harness import Harness

pytestmark = pytest.mark.slow

GRACE = 6.0
#: What the process may take beyond the grace: closing its job row, the interpreter's exit.
EXIT_MARGIN = 2.0


def _start_with_tries_running(harness: Harness, **env: str) -> str:
    harness.add_dag("stoppable", STOPPABLE)
    harness.sync()
    harness.start(TRADEWIND__CORE__SHUTDOWN_GRACE=str(GRACE), **env)
    run_id = harness.trigger("stoppable")
    harness.wait_for(lambda: len(try_pids(harness.tmp)) == 3, what="all three tries to start")
    return run_id


def test_sigterm_lets_short_tries_finish_and_kills_the_rest_within_the_grace(
    harness: Harness,
) -> None:
    run_id = _start_with_tries_running(harness)
    assert harness.proc is not None
    family = descendants(harness.proc.pid)
    assert set(try_pids(harness.tmp).values()) <= family

    began = time.monotonic()
    harness.proc.send_signal(signal.SIGTERM)
    code = harness.proc.wait(GRACE + 10)
    took = time.monotonic() - began
    assert code == 0, harness.scheduler_log()[-3000:]
    assert took <= GRACE + EXIT_MARGIN, f"stopping took {took:.1f}s"
    assert wait_gone(family) == set(), "processes of the scheduler outlived it"
    harness.proc = None

    tis = harness.tis("stoppable", run_id)
    assert {t: ti.state for t, ti in tis.items()} == {
        "quick": "success",
        "stuck": "up_for_retry",
        "stuck_no_retry": "failed",
    }
    assert running_tis(harness.db) == []
    for task_id in ("stuck", "stuck_no_retry"):
        log = harness.try_log("stoppable", run_id, task_id)
        assert "shutdown_grace" in log and "killed by signal 15" in log, log
    assert "killing them" in harness.scheduler_log()

    harness.start()  # the next start finishes the run: stuck's second try succeeds
    assert harness.wait_run("stoppable", run_id) == "failed"
    assert harness.states("stoppable", run_id) == {
        "quick": "success",
        "stuck": "success",
        "stuck_no_retry": "failed",
    }
    print(
        f"survived: SIGTERM with 3 tries running; exited in {took:.1f}s "
        f"(shutdown_grace {GRACE:g}s); short try recorded, long ones killed and "
        "failed/retried; restart finished the run"
    )


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_killed_scheduler_and_tries_are_finished_by_the_next_start(harness: Harness) -> None:
    """SIGKILL to the scheduler and everything under it (an OOM kill of the container)."""
    run_id = _start_with_tries_running(
        harness, TRADEWIND__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD="600"
    )
    assert harness.proc is not None
    family = {harness.proc.pid, *descendants(harness.proc.pid)}
    kill_quietly(family, signal.SIGKILL)
    harness.proc.wait(5)
    harness.proc = None
    assert wait_gone(family) == set()
    assert len(running_tis(harness.db)) >= 2  # left behind: nobody recorded their end

    began = time.monotonic()
    harness.start(TRADEWIND__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD="600")
    assert harness.wait_run("stoppable", run_id, timeout=40) == "failed"
    took = time.monotonic() - began
    assert running_tis(harness.db) == []
    states = harness.states("stoppable", run_id)
    assert states["stuck"] == "success" and states["stuck_no_retry"] == "failed"
    log = harness.try_log("stoppable", run_id, "stuck_no_retry")
    assert "is gone" in log and "zombie" in log, log
    print(
        f"survived: SIGKILL of scheduler, runner host, zygotes and tries; the next start "
        f"failed/retried the dead tries in {took:.1f}s (zombie threshold 600s)"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_next_start_adopts_tries_whose_runner_host_survived(harness: Harness) -> None:
    """SIGKILL to the scheduler alone: its runner host carries on and records the tries."""
    run_id = _start_with_tries_running(harness)
    assert harness.proc is not None
    harness.proc.send_signal(signal.SIGKILL)
    harness.proc.wait(5)
    harness.proc = None
    quick_pid = try_pids(harness.tmp)["quick"]
    harness.start()
    harness.wait_for(
        lambda: harness.states("stoppable", run_id)["quick"] == "success", what="quick"
    )
    ti = harness.tis("stoppable", run_id)["quick"]
    assert (ti.try_number, ti.pid) == (1, quick_pid)  # the same try, not a second one
    states = harness.states("stoppable", run_id)
    assert states["stuck"] == "running" and states["stuck_no_retry"] == "running"
    harness.stop()
    kill_quietly(set(try_pids(harness.tmp).values()), signal.SIGKILL)  # the orphan's tries
    print("survived: SIGKILL of the scheduler alone; its tries were adopted, not re-run")
