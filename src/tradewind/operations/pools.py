"""Pools: named limits on how many task slots run at once, with the contract's checks."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tradewind.db.models import DEFAULT_POOL_NAME, Pool, TaskInstance, TaskInstanceState
from tradewind.db.models.pool import POOL_NAME_MAX_LENGTH
from tradewind.exceptions import BadRequest, PoolAlreadyExists, PoolNotFound
from tradewind.operations import audit

if TYPE_CHECKING:
    from tradewind.db.engine import Database

UNLIMITED = -1
MAX_SLOTS = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL
_INTEGER_TEXT = re.compile(r"^\s*-?\d+\s*$")


def validate_name(name: Any) -> str:
    """The contract's texts for a missing, blank or too long name; a non-string is its own 400."""
    if name is not None and not isinstance(name, str):
        raise BadRequest(f"Pool name must be a string, not {json.dumps(name, default=str)[:100]}")
    if name is None or not name.strip():
        raise BadRequest("Pool name shouldn't be empty")
    if len(name) > POOL_NAME_MAX_LENGTH:
        raise BadRequest(f"Pool name can't be more than {POOL_NAME_MAX_LENGTH} characters")
    if "\x00" in name:  # PostgreSQL stores no NUL in text
        raise BadRequest("Pool name can't contain a NUL character")
    return name


def validate_slots(slots: Any) -> int:
    """An integer (or a string of one); -1 is unlimited. ``True`` and ``2.5`` are not.

    ``4.0`` and ``1e3`` are integers to JSON (and to the OpenAPI document's ``integer``),
    whatever the client's serializer wrote.
    """
    shown = slots if isinstance(slots, str) else json.dumps(slots, default=str)
    if isinstance(slots, float) and slots.is_integer():
        slots = int(slots)
    if isinstance(slots, bool) or not (
        isinstance(slots, int) or (isinstance(slots, str) and _INTEGER_TEXT.match(slots))
    ):
        raise BadRequest(f"Bad value for `slots`: {shown}")
    number = int(slots)
    if number < UNLIMITED:
        raise BadRequest(f"Bad value for `slots`: {shown} (use -1 for unlimited, or 0 or more)")
    if number > MAX_SLOTS:
        raise BadRequest(f"Bad value for `slots`: {shown} (at most {MAX_SLOTS})")
    return number


def validate_description(description: Any) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise BadRequest("Pool description must be a string")
    if "\x00" in description:
        raise BadRequest("Pool description can't contain a NUL character")
    return description


def _not_found(name: str) -> PoolNotFound:
    return PoolNotFound(f"Pool '{name}' doesn't exist")


def _usage(
    session: Session | Connection,
    names: list[str] | None = None,
    states: Sequence[TaskInstanceState] = (TaskInstanceState.QUEUED, TaskInstanceState.RUNNING),
) -> dict[tuple[str, str | None], int]:
    """Slots taken per (pool, state) by the task instances in ``states``."""
    query = (
        select(TaskInstance.pool, TaskInstance.state, func.sum(TaskInstance.pool_slots))
        .where(TaskInstance.state.in_(states))
        .group_by(TaskInstance.pool, TaskInstance.state)
    )
    if names is not None:
        query = query.where(TaskInstance.pool.in_(names))
    return {(pool, state): int(total or 0) for pool, state, total in session.execute(query)}


def pool_to_dict(pool: Any, usage: dict[tuple[str, str | None], int]) -> dict[str, Any]:
    """The contract's pool object plus slot counts; ``open_slots`` is -1 when unlimited."""
    queued = usage.get((pool.pool, TaskInstanceState.QUEUED), 0)
    running = usage.get((pool.pool, TaskInstanceState.RUNNING), 0)
    used = queued + running
    return {
        "id": pool.id,
        "pool": pool.pool,
        "slots": pool.slots,
        "description": pool.description or "",
        "include_deferred": bool(pool.include_deferred),
        "open_slots": UNLIMITED if pool.slots == UNLIMITED else pool.slots - used,
        "used_slots": used,
        "queued_slots": queued,
        "running_slots": running,
    }


_POOL_COLUMNS = (Pool.id, Pool.pool, Pool.slots, Pool.description, Pool.include_deferred)


def get_pool(db: Database, name: Any) -> dict[str, Any]:
    name = validate_name(name)
    with db.read_connection() as connection:
        pool = connection.execute(select(*_POOL_COLUMNS).where(Pool.pool == name)).first()
        if pool is None:
            raise _not_found(name)
        return pool_to_dict(pool, _usage(connection, [name]))


def list_pools(db: Database) -> list[dict[str, Any]]:
    with db.read_connection() as connection:
        pools = connection.execute(select(*_POOL_COLUMNS).order_by(Pool.id)).all()
        usage = _usage(connection)
    return [pool_to_dict(pool, usage) for pool in pools]


def create_or_update_pool(
    db: Database, name: Any, slots: Any, description: Any = "", *, actor: str
) -> dict[str, Any]:
    """Create the pool, or update slots and description of an existing one."""
    name = validate_name(name)
    slots = validate_slots(slots)
    description = validate_description(description)
    with db.session() as session:
        pool = session.scalar(select(Pool).where(Pool.pool == name))
        if pool is None:
            pool = Pool(pool=name, slots=slots, description=description, include_deferred=False)
            session.add(pool)
        else:
            pool.slots = slots
            pool.description = description
        session.flush()
        audit.record(session, "pool_set", actor, extra={"pool": name, "slots": slots})
        return pool_to_dict(pool, _usage(session, [name]))


def delete_pool(db: Database, name: Any, *, actor: str) -> dict[str, Any]:
    """Delete and return the pool; ``default_pool`` always stays."""
    name = validate_name(name)
    if name == DEFAULT_POOL_NAME:
        raise BadRequest(f"{DEFAULT_POOL_NAME} cannot be deleted")
    with db.session() as session:
        pool = session.scalar(select(Pool).where(Pool.pool == name))
        if pool is None:
            raise _not_found(name)
        shown = pool_to_dict(pool, _usage(session, [name]))
        session.delete(pool)
        audit.record(session, "pool_delete", actor, extra={"pool": name})
        return shown


# --- the stable API's pools (Airflow 2's /api/v1 shape and rules) ---------------------------

_SLOT_STATES = (
    TaskInstanceState.SCHEDULED,
    TaskInstanceState.QUEUED,
    TaskInstanceState.RUNNING,
    TaskInstanceState.DEFERRED,
)
# What a list may be sorted by, by Airflow's names.
ORDERING: dict[str, ColumnElement[Any]] = {
    "id": Pool.id,  # type: ignore[dict-item]
    "name": Pool.pool,  # type: ignore[dict-item]
    "slots": Pool.slots,  # type: ignore[dict-item]
}
UPDATABLE = ("name", "slots", "description", "include_deferred")


@dataclass(frozen=True)
class PoolSlots:
    """A pool and the task instances in its slots now, counted as Airflow counts them:
    deferred tasks occupy a slot only in a pool with ``include_deferred``."""

    name: str
    slots: int
    description: str | None
    include_deferred: bool
    running: int
    queued: int
    scheduled: int
    deferred: int

    @property
    def occupied(self) -> int:
        return self.running + self.queued + (self.deferred if self.include_deferred else 0)

    @property
    def open(self) -> int:
        """Free slots; -1 (unlimited) for a pool of -1 slots."""
        return UNLIMITED if self.slots == UNLIMITED else self.slots - self.occupied


def _slots(pool: Any, usage: Mapping[tuple[str, str | None], int]) -> PoolSlots:
    def count(state: TaskInstanceState) -> int:
        return usage.get((pool.pool, state), 0)

    return PoolSlots(
        name=pool.pool,
        slots=pool.slots,
        description=pool.description,
        include_deferred=bool(pool.include_deferred),
        running=count(TaskInstanceState.RUNNING),
        queued=count(TaskInstanceState.QUEUED),
        scheduled=count(TaskInstanceState.SCHEDULED),
        deferred=count(TaskInstanceState.DEFERRED),
    )


def validate_include_deferred(value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadRequest(
            f"Bad value for `include_deferred`: {json.dumps(value, default=str)[:100]} "
            "(true or false)"
        )
    return value


def pool_page(
    db: Database, *, limit: int, offset: int, order: Sequence[ColumnElement[Any]]
) -> tuple[list[PoolSlots], int]:
    """One page of pools in ``order`` (built from :data:`ORDERING`), and how many there are."""
    with db.read_connection() as connection:
        total = int(connection.scalar(select(func.count(Pool.id))) or 0)
        pools = connection.execute(
            select(*_POOL_COLUMNS).order_by(*order).limit(limit).offset(offset)
        ).all()
        usage = _usage(connection, [pool.pool for pool in pools], _SLOT_STATES)
    return [_slots(pool, usage) for pool in pools], total


def pool_slots(db: Database, name: Any) -> PoolSlots:
    name = validate_name(name)
    with db.read_connection() as connection:
        pool = connection.execute(select(*_POOL_COLUMNS).where(Pool.pool == name)).first()
        if pool is None:
            raise _not_found(name)
        return _slots(pool, _usage(connection, [name], _SLOT_STATES))


def create_pool(
    db: Database,
    name: Any,
    slots: Any,
    description: Any = None,
    include_deferred: Any = False,
    *,
    actor: str,
) -> PoolSlots:
    """A new pool; one by that name already is :class:`PoolAlreadyExists` (nothing changes)."""
    name = validate_name(name)
    pool = Pool(
        pool=name,
        slots=validate_slots(slots),
        description=validate_description(description),
        include_deferred=validate_include_deferred(include_deferred),
    )
    try:
        with db.session() as session:
            session.add(pool)
            session.flush()
            audit.record(session, "pool_set", actor, extra={"pool": name, "slots": pool.slots})
    except IntegrityError:
        raise PoolAlreadyExists(f"Pool: {name} already exists") from None
    return pool_slots(db, name)


def update_pool(db: Database, name: Any, changes: Mapping[str, Any], *, actor: str) -> PoolSlots:
    """Apply ``changes`` (some of :data:`UPDATABLE`) to the pool ``name``.

    ``default_pool`` keeps its name (its slots may change); renaming onto another pool's
    name is :class:`PoolAlreadyExists`.
    """
    name = validate_name(name)
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise BadRequest(f"Invalid field(s) {', '.join(unknown)}: a pool has {UPDATABLE}")
    new_name = validate_name(changes["name"]) if "name" in changes else name
    if name == DEFAULT_POOL_NAME and new_name != name:
        raise BadRequest("Default Pool's name can't be modified")
    checked: dict[str, Any] = {"pool": new_name}
    if "slots" in changes:
        checked["slots"] = validate_slots(changes["slots"])
    if "description" in changes:
        checked["description"] = validate_description(changes["description"])
    if "include_deferred" in changes:
        checked["include_deferred"] = validate_include_deferred(changes["include_deferred"])
    try:
        with db.session() as session:
            pool = session.scalar(select(Pool).where(Pool.pool == name))
            if pool is None:
                raise _not_found(name)
            for attribute, value in checked.items():
                setattr(pool, attribute, value)
            session.flush()
            audit.record(session, "pool_set", actor, extra={"pool": name, **checked})
    except IntegrityError:
        raise PoolAlreadyExists(f"Pool: {new_name} already exists") from None
    return pool_slots(db, new_name)
