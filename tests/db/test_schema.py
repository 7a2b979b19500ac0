from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tradewind.db import schema
from tradewind.db.engine import Database
from tradewind.db.models import DagRun, Pool
from tradewind.exceptions import DatabaseNotMigrated


def test_schema_head_constant_matches_migrations() -> None:
    assert schema.head_revision() == schema.SCHEMA_HEAD


def test_migrate_creates_default_pool_and_is_idempotent(database: Database) -> None:
    schema.migrate(database)
    schema.migrate(database)
    with database.session() as session:
        pools = session.scalars(select(Pool)).all()
    assert [(p.pool, p.slots) for p in pools] == [("default_pool", 128)]
    schema.check(database)


def test_unmigrated_database_says_to_run_migrate(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseNotMigrated, match="tradewind db migrate"):
        schema.check(db)


def _run(run_id: str, when: datetime) -> DagRun:
    return DagRun(dag_id="d", run_id=run_id, execution_date=when, state="queued")


def test_database_enforces_run_uniqueness(database: Database) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    with database.session() as session:
        session.add(_run("a", when))
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(_run("a", when + timedelta(days=1)))
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(_run("b", when))


def test_datetimes_come_back_as_utc(database: Database) -> None:
    plus_two = timezone(timedelta(hours=2))
    with database.session() as session:
        session.add(_run("tz", datetime(2026, 1, 1, 12, 0, tzinfo=plus_two)))
    with database.session() as session:
        run = session.scalar(select(DagRun).where(DagRun.run_id == "tz"))
    assert run.execution_date == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert run.execution_date.tzinfo is not None


def test_reset_wipes_data(database: Database) -> None:
    with database.session() as session:
        session.add(_run("x", datetime(2026, 1, 1, tzinfo=UTC)))
    schema.reset(database)
    with database.session() as session:
        assert session.scalars(select(DagRun)).all() == []
        assert session.scalar(select(Pool.pool)) == "default_pool"


def test_upgrade_to_0002_keeps_users_and_gives_each_its_own_session_nonce(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import text

    from tradewind.db.models import User

    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    with db.engine.begin() as connection:
        command.upgrade(schema._alembic_config(connection), "0001")
        for name in ("ada", "bob"):
            connection.execute(
                text(
                    "INSERT INTO users (username, password_hash, email, role, active, created_at)"
                    " VALUES (:name, 'hash', '', 'Admin', 1, '2026-01-01 00:00:00.000000')"
                ),
                {"name": name},
            )
    schema.migrate(db)
    schema.check(db)
    with db.read_session() as session:
        users = session.scalars(select(User).order_by(User.username)).all()
        assert [(u.username, u.password_hash) for u in users] == [("ada", "hash"), ("bob", "hash")]
        nonces = {u.session_nonce for u in users}
    assert len(nonces) == 2 and all(len(n) >= 16 for n in nonces)
    db.dispose()
