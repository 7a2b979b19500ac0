"""Which triggers this triggerer runs: its own, plus unowned ones up to its capacity.

A trigger is unowned when its ``triggerer_id`` is NULL (new, or released by a triggerer
that stopped) or names a triggerer whose heartbeat stopped (it died): such triggers are
released first, then claimed by whoever has room. On PostgreSQL the candidates are locked
``FOR UPDATE SKIP LOCKED``, so two triggerers claiming at once take different triggers;
the claim itself is conditional (``triggerer_id IS NULL``) on every database.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tradewind.db.models import TaskInstance, Trigger


def release_orphans(session: Session, alive: list[int]) -> int:
    """Unassign triggers held by triggerers that are not alive; how many."""
    query = update(Trigger).where(Trigger.triggerer_id.is_not(None))
    if alive:
        query = query.where(Trigger.triggerer_id.not_in(alive))
    result = session.execute(query.values(triggerer_id=None))
    return int(getattr(result, "rowcount", 0) or 0)


def claim(
    session: Session,
    job_id: int,
    capacity: int,
    postgres: bool,
    only_run: tuple[str, str] | None = None,
) -> int:
    """Take unowned triggers while this triggerer has room; how many were taken.

    ``only_run`` (dag id, run id): only the triggers that run's deferred tasks wait on
    (``dags test`` running its own triggers leaves everyone else's alone).
    """
    mine = session.scalar(select(func.count()).where(Trigger.triggerer_id == job_id)) or 0
    room = capacity - mine
    if room <= 0:
        return 0
    query = (
        select(Trigger.id).where(Trigger.triggerer_id.is_(None)).order_by(Trigger.id).limit(room)
    )
    if only_run is not None:
        dag_id, run_id = only_run
        query = query.where(
            Trigger.id.in_(
                select(TaskInstance.trigger_id).where(
                    TaskInstance.dag_id == dag_id,
                    TaskInstance.run_id == run_id,
                    TaskInstance.trigger_id.is_not(None),
                )
            )
        )
    if postgres:
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if not ids:
        return 0
    result = session.execute(
        update(Trigger)
        .where(Trigger.id.in_(ids), Trigger.triggerer_id.is_(None))
        .values(triggerer_id=job_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def release_all(session: Session, job_id: int) -> None:
    """A triggerer stopping cleanly hands its triggers back at once."""
    session.execute(update(Trigger).where(Trigger.triggerer_id == job_id).values(triggerer_id=None))


def owned(session: Session, job_id: int) -> set[int]:
    return set(session.scalars(select(Trigger.id).where(Trigger.triggerer_id == job_id)))


def rows(session: Session, ids: set[int]) -> list[tuple[int, str, str]]:
    """(id, classpath, kwargs JSON) of ``ids``: the triggers to start."""
    found: list[tuple[int, str, str]] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(Trigger.id, Trigger.classpath, Trigger.kwargs).where(Trigger.id.in_(chunk))
        found.extend((row.id, row.classpath, row.kwargs) for row in session.execute(query))
    return found
