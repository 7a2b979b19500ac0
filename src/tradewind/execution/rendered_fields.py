"""Recording what a try's templated fields rendered to, for the task instance page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from tradewind.db.models import RenderedTaskInstanceFields as Rendered


def write_rendered_fields(
    session: Any, key: tuple[str, str, str, int], fields: dict[str, Any]
) -> None:
    """Keep ``fields`` as the task instance's rendered fields, replacing an earlier try's.

    Two statements, no read, like an XCom's: this runs in the batch that records many tries.
    """
    dag_id, run_id, task_id, map_index = key
    session.execute(
        delete(Rendered).where(
            Rendered.dag_id == dag_id,
            Rendered.run_id == run_id,
            Rendered.task_id == task_id,
            Rendered.map_index == map_index,
        )
    )
    session.add(
        Rendered(
            dag_id=dag_id,
            run_id=run_id,
            task_id=task_id,
            map_index=map_index,
            rendered_fields=fields,
        )
    )
