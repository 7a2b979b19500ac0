"""The stable API's pool verbs: slot counts by state, Airflow's rules for create and patch."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance
from tradewind.exceptions import BadRequest, PoolAlreadyExists, PoolNotFound
from tradewind.operations import dag_runs, pools


def _place(db: Database, run_id: str, task_id: str, state: str, slots: int = 1) -> None:
    with db.session() as session:
        session.execute(
            update(TaskInstance)
            .where(TaskInstance.run_id == run_id, TaskInstance.task_id == task_id)
            .values(pool="p", state=state, pool_slots=slots)
        )


def test_slots_are_counted_by_state(demo_db: Database) -> None:
    pools.create_pool(demo_db, "p", 10, "d", False, actor="a")
    for day in (1, 2):
        dag_runs.trigger_dag(
            demo_db, "demo", run_id=f"r{day}", execution_date=f"2024-01-0{day}", actor="a"
        )
    _place(demo_db, "r1", "extract", "running", slots=2)
    _place(demo_db, "r1", "load", "deferred")
    _place(demo_db, "r2", "extract", "queued")
    _place(demo_db, "r2", "load", "scheduled")

    slots = pools.pool_slots(demo_db, "p")
    assert (slots.running, slots.queued, slots.scheduled, slots.deferred) == (2, 1, 1, 1)
    assert (slots.occupied, slots.open) == (3, 7)  # deferred tasks hold no slot here

    counted = pools.update_pool(demo_db, "p", {"include_deferred": True}, actor="a")
    assert (counted.occupied, counted.open) == (4, 6)
    [listed] = [
        p for p in pools.pool_page(demo_db, limit=10, offset=0, order=[])[0] if p.name == "p"
    ]
    assert listed == counted


def test_create_and_update_rules(demo_db: Database) -> None:
    created = pools.create_pool(demo_db, "p", -1, None, actor="a")
    assert (created.slots, created.open) == (-1, -1)
    with pytest.raises(PoolAlreadyExists, match="Pool: p already exists"):
        pools.create_pool(demo_db, "p", 3, actor="a")
    with pytest.raises(BadRequest, match="include_deferred"):
        pools.create_pool(demo_db, "q", 3, include_deferred="yes", actor="a")

    pools.create_pool(demo_db, "q", 3, actor="a")
    with pytest.raises(PoolAlreadyExists):
        pools.update_pool(demo_db, "q", {"name": "p"}, actor="a")
    with pytest.raises(BadRequest, match="Default Pool's name can't be modified"):
        pools.update_pool(demo_db, "default_pool", {"name": "other"}, actor="a")
    assert pools.update_pool(demo_db, "default_pool", {"slots": 5}, actor="a").slots == 5
    with pytest.raises(PoolNotFound):
        pools.update_pool(demo_db, "nope", {"slots": 1}, actor="a")

    renamed = pools.update_pool(demo_db, "q", {"name": "r", "description": "x"}, actor="a")
    assert (renamed.name, renamed.slots, renamed.description) == ("r", 3, "x")
    page, total = pools.pool_page(demo_db, limit=2, offset=0, order=[pools.ORDERING["name"].desc()])
    assert [p.name for p in page] == ["r", "p"] and total == 3
