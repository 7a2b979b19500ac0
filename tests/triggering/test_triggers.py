"""The built-in triggers, the serialization of their arguments, and loading them back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tradewind.authoring.triggers import (
    BaseTrigger,
    DateTimeTrigger,
    FileTrigger,
    TimeDeltaTrigger,
    TriggerEvent,
)
from tradewind.authoring.triggers.serde import decode, dumps, encode
from tradewind.exceptions import TaskDeferralError
from tradewind.triggering.loading import TriggerLoadError, load_trigger


def _first_event(trigger: BaseTrigger, timeout: float = 5) -> TriggerEvent:
    async def first() -> TriggerEvent:
        async for event in trigger.run():
            return event
        raise AssertionError("no event")

    return asyncio.run(asyncio.wait_for(first(), timeout))


def test_a_datetime_trigger_fires_at_its_moment_with_the_moment() -> None:
    moment = datetime.now(UTC) + timedelta(seconds=0.3)
    before = datetime.now(UTC)
    assert _first_event(DateTimeTrigger(moment)) == TriggerEvent(moment)
    assert datetime.now(UTC) >= moment > before


def test_a_naive_moment_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="has no timezone"):
        DateTimeTrigger(datetime(2030, 1, 1))


def test_a_timedelta_trigger_round_trips_through_its_row() -> None:
    trigger = TimeDeltaTrigger(timedelta(seconds=5))
    classpath, kwargs = trigger.serialize()
    rebuilt = load_trigger(classpath, dumps(kwargs, "test"))
    assert isinstance(rebuilt, DateTimeTrigger) and rebuilt.moment == trigger.moment


def test_a_file_trigger_fires_once_the_file_exists(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "data.csv"
    target.parent.mkdir()

    async def scenario() -> TriggerEvent:
        trigger = FileTrigger(str(tmp_path / "**" / "*.csv"), recursive=True, poke_interval=0.05)
        waiting = asyncio.ensure_future(_anext(trigger))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        target.write_text("x")
        return await asyncio.wait_for(waiting, 5)

    assert asyncio.run(scenario()) == TriggerEvent(True)


async def _anext(trigger: BaseTrigger) -> TriggerEvent:
    async for event in trigger.run():
        return event
    raise AssertionError("no event")


def test_serde_keeps_dates_and_durations_and_names_what_it_cannot_store() -> None:
    value = {"at": datetime(2030, 1, 1, tzinfo=UTC), "every": timedelta(minutes=3), "n": [1]}
    assert decode(encode(value, "x")) == value
    with pytest.raises(TaskDeferralError, match=r"defer\(kwargs=\.\.\.\) holds a set"):
        encode({"bad": {1, 2}}, "defer(kwargs=...)")


def test_loading_an_unknown_trigger_says_where_it_looked() -> None:
    with pytest.raises(TriggerLoadError, match="cannot import module 'nowhere'"):
        load_trigger("nowhere.Trigger", "{}")
    with pytest.raises(TriggerLoadError, match="not a BaseTrigger subclass"):
        load_trigger("datetime.datetime", "{}")


def test_the_runner_collects_events_and_fails_broken_triggers() -> None:
    from tradewind.triggering.runner import TriggerRunner

    moment = dumps({"moment": datetime.now(UTC)}, "test")

    async def scenario() -> TriggerRunner:
        runner = TriggerRunner(asyncio.Event())
        runner.sync(
            {1, 2, 3},
            [
                (1, "tradewind.authoring.triggers.temporal.DateTimeTrigger", moment),
                (2, "tradewind.authoring.triggers.file.FileTrigger", '{"filepath": ""}'),
                (3, "tests.triggering.test_triggers.UnstorablePayload", "{}"),
            ],
        )
        await asyncio.sleep(0.2)
        await runner.cancel_all()
        return runner

    runner = asyncio.run(scenario())
    events, failures = runner.take_outcomes()
    assert [trigger_id for trigger_id, _ in events] == [1]
    failed = dict(failures)
    assert sorted(failed) == [2, 3]
    assert any("needs a filepath" in line for line in failed[2])
    assert any("holds a set" in line for line in failed[3])


class UnstorablePayload(BaseTrigger):
    def serialize(self) -> tuple[str, dict[str, object]]:
        return ("tests.triggering.test_triggers.UnstorablePayload", {})

    async def run(self):  # type: ignore[no-untyped-def]
        yield TriggerEvent({1, 2})


def test_the_cross_dag_triggers_round_trip_and_need_a_triggerer_to_run() -> None:
    from tradewind.authoring.triggers import workflow_states
    from tradewind.authoring.triggers.external_task import DagStateTrigger, WorkflowTrigger

    when = datetime(2024, 3, 1, tzinfo=UTC)
    workflow = WorkflowTrigger("up", [when], external_task_ids=["t"], failed_states=["failed"])
    rebuilt = load_trigger(*_row(workflow))
    assert isinstance(rebuilt, WorkflowTrigger)
    assert rebuilt.execution_dates == [when] and rebuilt.failed_states == ["failed"]
    dag_state = DagStateTrigger("up", ["success", "failed"], run_ids=["r1"], poll_interval=0.1)
    assert load_trigger(*_row(dag_state)).serialize() == dag_state.serialize()
    with pytest.raises(ValueError, match="not dag run states"):
        DagStateTrigger("up", ["done"], run_ids=["r1"])
    # Outside the triggerer (or dags test) nothing gives them the database: a clear error.
    workflow_states.install(None)
    with pytest.raises(workflow_states.NoWorkflowStates, match="tradewind triggerer"):
        _first_event(workflow)


def _row(trigger: BaseTrigger) -> tuple[str, str]:
    classpath, kwargs = trigger.serialize()
    return classpath, dumps(kwargs, "test")


def test_a_new_trigger_reusing_a_fired_triggers_id_starts() -> None:
    """SQLite reuses a deleted row's id: once a fired trigger's event is recorded (its row
    deleted), a new trigger given the same id must start, not be taken for the old one."""
    from tradewind.triggering.runner import TriggerRunner

    def row(seconds: float) -> tuple[int, str, str]:
        moment = datetime.now(UTC) + timedelta(seconds=seconds)
        classpath, kwargs = DateTimeTrigger(moment).serialize()
        return (7, classpath, dumps(kwargs, "test"))

    async def scenario() -> list[int]:
        runner = TriggerRunner(asyncio.Event())
        runner.sync({7}, [row(0)])
        while not runner.events:
            await asyncio.sleep(0.01)
        fired, failed = runner.take_outcomes()
        runner.forget([trigger_id for trigger_id, _ in fired + failed])  # recorded
        runner.sync({7}, [row(0.05)])  # the next trigger got id 7 again
        for _ in range(200):
            if runner.events:
                break
            await asyncio.sleep(0.01)
        await runner.cancel_all()
        return [trigger_id for trigger_id, _ in fired + runner.events]

    assert asyncio.run(scenario()) == [7, 7]
