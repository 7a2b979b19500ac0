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
        for setup in _relevant_setups(sdag, tid):
            extra.add(setup)
            extra.update(_teardowns_of(sdag, setup))
        if sdag.tasks[tid].is_setup:
            extra.update(_teardowns_of(sdag, tid))
    return set(task_ids) | extra


def _relevant_setups(sdag: SerializedDAG, task_id: str) -> list[str]:
    below = _relatives(sdag, task_id, upstream=False)
    teardowns_below = {tid for tid in below if sdag.tasks[tid].is_teardown}
    setups = [tid for tid in _relatives(sdag, task_id, upstream=True) if sdag.tasks[tid].is_setup]
    return [
        setup
        for setup in setups
        if not _teardowns_of(sdag, setup) or _teardowns_of(sdag, setup) & teardowns_below
    ]


def _teardowns_of(sdag: SerializedDAG, setup_id: str) -> set[str]:
    return {tid for tid in sdag.tasks[setup_id].downstream_task_ids if sdag.tasks[tid].is_teardown}


def _relatives(sdag: SerializedDAG, task_id: str, *, upstream: bool) -> set[str]:
    found: set[str] = set()
    pending = [task_id]
    while pending:
        task = sdag.tasks[pending.pop()]
        for tid in task.upstream_task_ids if upstream else task.downstream_task_ids:
            if tid not in found and tid in sdag.tasks:
                found.add(tid)
                pending.append(tid)
    return found
