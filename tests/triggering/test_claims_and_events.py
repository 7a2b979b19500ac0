"""Claiming triggers and ending deferrals, against both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tradewind.db.engine import Database
from tradewind.db.models import DagRun, Job, TaskInstance, Trigger
from tradewind.triggering import claims, events, jobs


def _deferred(database: Database, count: int, timeout: datetime | None = None) -> list[int]:
    """``count`` deferred task instances, each waiting on its own trigger."""
    now = datetime.now(UTC)
    ids = []
    with database.session() as session:
        session.add(DagRun(dag_id="d", run_id="r", execution_date=now, state="running"))
        session.flush()
        for i in range(count):
            trigger = Trigger(classpath="x.Y", kwargs="{}", created_date=now)
            session.add(trigger)
            session.flush()
            ids.append(trigger.id)
            session.add(
                TaskInstance(
                    dag_id="d",
                    run_id="r",
                    task_id=f"t{i}",
                    state="deferred",
                    try_number=0,
                    trigger_id=trigger.id,
                    next_method="go_on",
                    next_kwargs=json.dumps({"keep": i}),
                    trigger_timeout=timeout,
                )
            )
    return ids


def test_an_event_resumes_its_task_once(database: Database) -> None:
    (trigger_id,) = _deferred(database, 1)
    now = datetime.now(UTC)
    with database.session() as session:
        assert events.resume(session, [(trigger_id, {"answer": 42})], now) == 1
    with database.session() as session:  # the same event again (a second triggerer)
        assert events.resume(session, [(trigger_id, {"answer": 42})], now) == 0
        ti = session.scalars(select(TaskInstance)).one()
        assert ti.state == "scheduled" and ti.trigger_id is None and ti.next_method == "go_on"
        assert json.loads(ti.next_kwargs or "") == {"keep": 0, "event": {"answer": 42}}
        assert session.scalars(select(Trigger)).all() == []


def test_a_passed_timeout_sends_the_task_back_to_fail(database: Database) -> None:
    _deferred(database, 1, timeout=datetime.now(UTC) - timedelta(seconds=1))
    with database.session() as session:
        assert events.fail_timed_out(session, datetime.now(UTC)) == 1
        assert events.delete_unused(session) == 1
        ti = session.scalars(select(TaskInstance)).one()
        assert (ti.state, ti.next_method) == ("scheduled", "__fail__")
        assert json.loads(ti.next_kwargs or "") == {"error": "Trigger timeout"}


def test_capacity_limits_a_claim_and_a_dead_triggerers_triggers_move(database: Database) -> None:
    _deferred(database, 5)
    postgres = database.dialect == "postgresql"
    now = datetime.now(UTC)
    with database.session() as session:
        first, second = jobs.register(session, now), jobs.register(session, now)
        assert claims.claim(session, first, 3, postgres) == 3
        assert claims.claim(session, first, 3, postgres) == 0  # full
        assert claims.claim(session, second, 10, postgres) == 2
    later = now + timedelta(seconds=60)
    with database.session() as session:
        jobs.heartbeat(session, second, later)  # the first stopped heartbeating
        alive = jobs.alive_ids(session, later, threshold_seconds=30)
        assert alive == [second]
        assert claims.release_orphans(session, alive) == 3
        assert claims.claim(session, second, 10, postgres) == 3
        assert len(claims.owned(session, second)) == 5
        assert session.get(Job, first) is not None


def test_health_reports_the_latest_triggerer_heartbeat(database: Database) -> None:
    from tradewind.operations.health import check_triggerer

    assert check_triggerer(database, 30) == {"status": None, "latest_triggerer_heartbeat": None}
    now = datetime.now(UTC)
    with database.session() as session:
        job_id = jobs.register(session, now)
    shown = check_triggerer(database, 30)
    assert shown["status"] == "healthy"
    assert datetime.fromisoformat(shown["latest_triggerer_heartbeat"]) == now
    with database.session() as session:
        jobs.heartbeat(session, job_id, now - timedelta(minutes=5))
    assert check_triggerer(database, 30)["status"] == "unhealthy"
