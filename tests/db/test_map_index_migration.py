"""Migration 0007: map_index joins the task-instance key; existing rows stay, as -1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.conftest import RUN_TAG, _pg_admin
from tests.services import POSTGRES_HOST, POSTGRES_PORT, postgres_admin_url, require_service
from tradewind.db import schema
from tradewind.db.engine import Database
from tradewind.db.models import TaskInstance, XCom


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    require_service("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    name = f"tw_mig_{RUN_TAG}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    yield postgres_admin_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_keeps_task_instances_and_xcoms_as_unmapped(empty_url: str) -> None:
    from alembic import command

    db = Database(empty_url)
    with db.engine.begin() as connection:
        command.upgrade(schema._alembic_config(connection), "0007")
        connection.execute(
            text(
                "INSERT INTO dag_run (dag_id, run_id, execution_date, state, run_type,"
                " external_trigger) VALUES ('d', 'r', '2026-01-01 00:00:00+00:00', 'success',"
                " 'manual', true)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO task_instance (dag_id, run_id, task_id, state, try_number,"
                " max_tries, hostname, unixname, pool, pool_slots, queue, priority_weight)"
                " VALUES ('d', 'r', 't', 'success', 1, 0, '', '', 'default_pool', 1,"
                " 'default', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO xcom (dag_id, run_id, task_id, key, value, timestamp) VALUES"
                " ('d', 'r', 't', 'return_value', '[1, 2]', '2026-01-01 00:00:00+00:00')"
            )
        )
    schema.migrate(db)
    schema.check(db)
    with db.session() as session:
        ti = session.scalars(select(TaskInstance)).one()
        assert (ti.task_id, ti.map_index, ti.state, ti.try_number) == ("t", -1, "success", 1)
        xcom = session.scalars(select(XCom)).one()
        assert (xcom.map_index, xcom.value) == (-1, [1, 2])
        # The key now tells instances of one task apart.
        session.add(TaskInstance(dag_id="d", run_id="r", task_id="t", map_index=0))
    with db.session() as session:
        assert (
            session.scalar(select(TaskInstance.map_index).where(TaskInstance.map_index == 0)) == 0
        )
    db.dispose()
