"""Which tasks a clear takes along: the setups and teardowns around the ones asked for.

Re-running work needs its resource again, and the resource must be removed again after it,
so (as in Airflow) clearing a task also clears its *relevant* setups (upstream setups with
a teardown below the task, or with no teardown at all) and their teardowns; clearing a setup
also clears its own teardowns.
"""

from __future__ import annotations

from collections.abc import Iterable

from tradewind.dagfiles.serialization import SerializedDAG


def with_setups_and_teardowns(sdag: SerializedDAG, task_ids: Iterable[str]) -> set[str]:
    """``task_ids`` and the setups and teardowns a clear of them takes along."""
    chosen = {tid for tid in task_ids if tid in sdag.tasks}
    extra: set[str] = set()
    for tid in chosen:
        for setup in sdag.relevant_setups(tid):
            extra.add(setup)
            extra.update(sdag.teardowns_of(setup))
        if sdag.tasks[tid].is_setup:
            extra.update(sdag.teardowns_of(tid))
    return set(task_ids) | extra
