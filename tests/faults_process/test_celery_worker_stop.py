"""``tradewind celery worker`` stopped by SIGTERM while tries run (Celery's warm shutdown)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.celery.cluster import Cluster
from tests.faults_process.stoppable import STOPPABLE, running_tis, try_pids, wait_gone
from tests.processes import descendants
from tests.services import require_service
from tradewind.config import Config
from tradewind.db.engine import Database

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

GRACE = 10.0
EXIT_MARGIN = 2.0


@pytest.fixture
def cluster(
    db_config: Config, database: Database, db_env: dict[str, str], tmp_path: Path
) -> Iterator[Cluster]:
    require_service("Redis", "127.0.0.1", 6379)
    c = Cluster(db_config, database, db_env, tmp_path, "redis://127.0.0.1:6379/0")
    try:
        yield c
    finally:
        c.stop_all()


def test_worker_sigterm_kills_tries_past_the_grace_and_the_next_worker_finishes(
    cluster: Cluster,
) -> None:
    cluster.add_dag("stoppable", STOPPABLE)
    cluster.sync()
    cluster.start_scheduler("scheduler")
    cluster.start_worker("worker_1", concurrency=3, TRADEWIND__CORE__SHUTDOWN_GRACE=str(GRACE))
    run_id = cluster.trigger("stoppable")
    cluster.wait_for(lambda: len(try_pids(cluster.tmp)) == 3, what="the tries to start")
    worker = cluster.procs.pop("worker_1")
    family = descendants(worker.pid)
    assert set(try_pids(cluster.tmp).values()) <= family

    began = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    code = worker.wait(GRACE + 15)
    took = time.monotonic() - began
    log = (cluster.tmp / "worker_1.log").read_text(errors="replace")
    assert code == 0, log[-3000:]
    assert took <= GRACE + EXIT_MARGIN, f"stopping took {took:.1f}s\n{log[-3000:]}"
    assert wait_gone(family) == set(), f"processes of the worker outlived it\n{log[-3000:]}"
    cluster.wait_for(
        lambda: (
            cluster.states("stoppable", run_id)
            == {"quick": "success", "stuck": "up_for_retry", "stuck_no_retry": "failed"}
            or cluster.states("stoppable", run_id)["stuck"] in ("scheduled", "queued")
        ),
        what="the scheduler to fail or retry the killed tries",
    )
    assert "shutdown_grace" in cluster.try_log("stoppable", run_id, "stuck_no_retry")

    cluster.start_worker("worker_2", concurrency=3)
    assert cluster.wait_run("stoppable", run_id, timeout=40) == "failed"
    assert cluster.states("stoppable", run_id) == {
        "quick": "success",
        "stuck": "success",
        "stuck_no_retry": "failed",
    }
    assert running_tis(cluster.db) == []
    print(
        f"survived: SIGTERM to a Celery worker with 3 tries running; it exited in "
        f"{took:.1f}s (shutdown_grace {GRACE:g}s), its killed tries were failed/retried "
        "and the next worker finished the run"
    )
