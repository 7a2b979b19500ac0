"""A triggerer killed with SIGKILL while 100 tasks are deferred: another takes its triggers
over and every task resumes exactly once (PostgreSQL, where several triggerers run)."""

from __future__ import annotations

import signal

import pytest
from sqlalchemy import func, select

from tests.scheduling.harness import Harness
from tests.triggering.conftest import Triggerers
from tradewind.db.models import Job, Trigger

COUNT = 100

MANY_WAITERS = """
import os
from datetime import datetime
from tradewind import DAG
from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.triggers import FileTrigger

GO = os.path.join("@TMP@", "go")

class WaitForGo(BaseOperator):
    def execute(self, context):
        self.defer(trigger=FileTrigger(GO, poke_interval=0.2), method_name="resumed")

    def resumed(self, context, event):
        # O_APPEND: one whole line per resumed try, however many run at once.
        fd = os.open(os.path.join("@TMP@", "resumed.txt"), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, (self.task_id + "\\n").encode())
        os.close(fd)

with DAG("many_waiters", start_date=datetime(2024, 1, 1), schedule=None):
    for i in range(@COUNT@):
        WaitForGo(task_id=f"wait_{i}")
"""


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_killed_triggerers_tasks_all_resume_once_on_another(
    harness: Harness, triggerers: Triggerers
) -> None:
    harness.add_dag("many_waiters", MANY_WAITERS.replace("@COUNT@", str(COUNT)))
    harness.sync()
    harness.start()
    first = triggerers.start()
    run_id = harness.trigger("many_waiters")

    def owned_by_first() -> int:
        with harness.db.session() as session:
            job_id = session.scalar(select(Job.id).where(Job.pid == first.pid))
            return int(
                session.scalar(select(func.count()).where(Trigger.triggerer_id == job_id)) or 0
            )

    harness.wait_for(lambda: owned_by_first() == COUNT, 180, f"{COUNT} triggers on triggerer 1")
    states = harness.states("many_waiters", run_id)
    assert set(states.values()) == {"deferred"}, states

    first.send_signal(signal.SIGKILL)
    first.wait()
    triggerers.start()
    (harness.tmp / "go").write_text("")
    assert harness.wait_run("many_waiters", run_id, timeout=240) == "success", triggerers.log(1)
    resumed = (harness.tmp / "resumed.txt").read_text().split()
    assert sorted(resumed) == sorted(f"wait_{i}" for i in range(COUNT))  # each exactly once
    assert "took back 100 triggers" in triggerers.log(1)
    with harness.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Trigger)) == 0
