"""The task instance page's buttons, each one call into the shared operations layer."""

from __future__ import annotations

import re

from tradewind.operations import clearing, task_state
from tradewind.www.context import UiContext


def clear(
    context: UiContext, dag_id: str, run_id: str, task_id: str, who: str, map_index: int = -1
) -> str:
    """Clear the task instance; a mapped instance alone when ``map_index`` names one."""
    cleared = clearing.clear_task_instances(
        context.database,
        context.config,
        dag_id,
        task_regex=f"^{re.escape(task_id)}$",
        run_id=run_id,
        actor=who,
        map_indexes=[map_index] if map_index >= 0 else None,
    )
    if not cleared:
        return f"Nothing to clear for {task_id} in {run_id}."
    others = sorted({item.task_id for item in cleared} - {task_id})
    if others:
        return f"Cleared {task_id} with its setups and teardowns ({', '.join(others)})."
    return f"Cleared {task_id}: it will run again."


def mark(
    context: UiContext,
    dag_id: str,
    run_id: str,
    task_id: str,
    state: str,
    who: str,
    map_index: int = -1,
) -> str:
    previous = task_state.set_task_instance_state(
        context.database,
        dag_id,
        run_id,
        task_id,
        state,
        actor=who,
        config=context.config,
        map_index=map_index,
    )
    return f"Marked {task_id} {state} (was {previous or 'no status'})."
