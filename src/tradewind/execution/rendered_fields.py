"""Recording what a try's templated fields rendered to, for the task instance page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from tradewind.db.models import RenderedTaskInstanceFields as Rendered
from tradewind.db.ti_keys import KEYS_PER_STATEMENT, ti_keys_clause


def write_rendered_fields(
    session: Any, key: tuple[str, str, str, int], fields: dict[str, Any]
) -> None:
    """Keep ``fields`` as the task instance's rendered fields, replacing an earlier try's."""
    write_many_rendered_fields(session, {key: fields})


def write_many_rendered_fields(
    session: Any, fields: dict[tuple[str, str, str, int], dict[str, Any]]
) -> None:
    """Keep each task instance's rendered fields, replacing an earlier try's.

    Two statements for all of ``fields``, no read, like the XComs': this runs in the batch
    that records many tries (keyed by task instance: dag_id, run_id, task_id, map_index).
    """
    keys = list(fields)
    for start in range(0, len(keys), KEYS_PER_STATEMENT):
        chunk = keys[start : start + KEYS_PER_STATEMENT]
        session.execute(delete(Rendered).where(ti_keys_clause(Rendered, chunk)))
    session.add_all(
        Rendered(
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            map_index=map_index,
            rendered_fields=value,
        )
        for (dag_id, run_id, task_id, map_index), value in fields.items()
    )
