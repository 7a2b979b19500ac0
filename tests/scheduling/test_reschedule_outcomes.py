"""A rescheduled sensor's pokes share one try number, so the scheduler must not take the
late "process exited" report of an earlier poke for the death of the poke running now."""

from __future__ import annotations

from datetime import UTC, datetime

from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, TaskInstance, TaskReschedule
from tradewind.execution.workload import TaskKey, TaskOutcome
from tradewind.scheduling import recovery

NOW = datetime(2024, 1, 1, 12, tzinfo=UTC)


def _running_sensor(database: Database, *, poked_before: bool) -> TaskKey:
    with database.session() as session:
        session.add(DagRun(dag_id="d", run_id="r", execution_date=NOW, state="running"))
        session.flush()
        session.add(
            TaskInstance(dag_id="d", run_id="r", task_id="s", state="running", try_number=1)
        )
        if poked_before:
            session.add(
                TaskReschedule(
                    dag_id="d",
                    run_id="r",
                    task_id="s",
                    try_number=1,
                    start_date=NOW,
                    end_date=NOW,
                    reschedule_date=NOW,
                )
            )
    return TaskKey("d", "r", "s", 1)


def _handle(database: Database, config: Config, outcome: TaskOutcome) -> str | None:
    with database.session() as session:
        recovery.handle_outcomes(session, config, [outcome], lambda ids: {}, NOW)
    with database.session() as session:
        ti = session.get(TaskInstance, ("d", "r", "s", -1))
        assert ti is not None
        return ti.state


def test_a_late_report_of_an_earlier_poke_leaves_the_running_poke_alone(
    db_config: Config, database: Database
) -> None:
    key = _running_sensor(database, poked_before=True)
    assert _handle(database, db_config, TaskOutcome(key, "exited", 0)) == "running"
    # A poke that really died (killed: no exit code 0) is still failed.
    assert _handle(database, db_config, TaskOutcome(key, "exited", -9)) == "failed"


def test_without_earlier_pokes_a_try_that_ended_unrecorded_is_failed(
    db_config: Config, database: Database
) -> None:
    key = _running_sensor(database, poked_before=False)
    assert _handle(database, db_config, TaskOutcome(key, "exited", 0)) == "failed"
