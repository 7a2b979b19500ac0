"""Trigger rules as a pure function of the direct upstream tasks' states.

Returns what should happen to a waiting task instance; the scheduler applies it and the
``tasks failed-deps`` command explains it. Upstream tasks ``removed`` from the DAG count as
absent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import Enum

from tradewind.db.models import TaskInstanceState as S


class Decision(Enum):
    RUN = "run"
    WAIT = "wait"
    SKIP = "skipped"
    UPSTREAM_FAILED = "upstream_failed"


_DONE = frozenset({S.SUCCESS, S.FAILED, S.UPSTREAM_FAILED, S.SKIPPED})


def evaluate(rule: str, upstream_states: Iterable[str | None]) -> Decision:
    states = [s for s in upstream_states if s != S.REMOVED]
    total = len(states)
    if total == 0 or rule == "always":
        return Decision.RUN
    counts = Counter(states)
    success = counts[S.SUCCESS]
    skipped = counts[S.SKIPPED]
    failed = counts[S.FAILED] + counts[S.UPSTREAM_FAILED]
    done = success + skipped + failed
    all_done = done == total

    if rule == "all_success":
        if failed:
            return Decision.UPSTREAM_FAILED
        if skipped:
            return Decision.SKIP
        return Decision.RUN if success == total else Decision.WAIT
    if rule == "all_failed":
        if success or skipped:
            return Decision.SKIP
        return Decision.RUN if all_done else Decision.WAIT
    if rule == "all_done":
        return Decision.RUN if all_done else Decision.WAIT
    if rule == "one_success":
        if success:
            return Decision.RUN
        if not all_done:
            return Decision.WAIT
        return Decision.SKIP if skipped == total else Decision.UPSTREAM_FAILED
    if rule == "one_failed":
        if failed:
            return Decision.RUN
        return Decision.SKIP if all_done else Decision.WAIT
    if rule == "none_failed":
        if failed:
            return Decision.UPSTREAM_FAILED
        return Decision.RUN if all_done else Decision.WAIT
    if rule == "none_failed_min_one_success":
        if failed:
            return Decision.UPSTREAM_FAILED
        if not all_done:
            return Decision.WAIT
        return Decision.RUN if success else Decision.SKIP
    if rule == "none_skipped":
        if skipped:
            return Decision.SKIP
        return Decision.RUN if all_done else Decision.WAIT
    raise ValueError(f"unknown trigger rule {rule!r}")


def explain(rule: str, upstream: dict[str, str | None]) -> str:
    """One line for ``failed-deps``: the rule and the upstream states it saw."""
    states = ", ".join(
        f"{task_id}={state or 'none'}" for task_id, state in sorted(upstream.items())
    )
    return f"trigger rule {rule} not met by upstream tasks ({states})"
