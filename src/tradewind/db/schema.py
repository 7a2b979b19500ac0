"""Create, upgrade, check and reset the metadata database schema (Alembic underneath)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, select, text

from tradewind.db.engine import Database
from tradewind.db.models import DEFAULT_POOL_NAME, DEFAULT_POOL_SLOTS, Base, Pool
from tradewind.exceptions import DatabaseNotMigrated

if TYPE_CHECKING:  # Alembic is imported only by the commands that migrate.
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).with_name("migrations")

# The newest revision in migrations/versions. Kept here so that the check every command
# makes is one SELECT, not an Alembic start-up; a test keeps the two in step.
SCHEMA_HEAD = "0009"


def _alembic_config(connection: Connection | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(db: Database) -> None:
    """Create or upgrade the schema to the newest revision; running it again is harmless."""
    from alembic import command

    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    with db.session() as session:
        if session.scalar(select(Pool).where(Pool.pool == DEFAULT_POOL_NAME)) is None:
            session.add(
                Pool(pool=DEFAULT_POOL_NAME, slots=DEFAULT_POOL_SLOTS, description="Default pool")
            )


def check(db: Database) -> None:
    """Raise :class:`DatabaseNotMigrated` unless the schema is at the newest revision."""
    current = current_revision(db)
    if current is None:
        raise DatabaseNotMigrated(
            f"The metadata database at {db.engine.url.render_as_string()} has no Tradewind "
            "schema. Run `tradewind db migrate` first."
        )
    if current != SCHEMA_HEAD:
        raise DatabaseNotMigrated(
            f"The metadata database is at schema revision {current}, this Tradewind needs "
            f"{SCHEMA_HEAD}. Run `tradewind db migrate`."
        )


def reset(db: Database) -> None:
    """Drop every Tradewind table (and Alembic's bookkeeping), then migrate afresh."""
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    migrate(db)
