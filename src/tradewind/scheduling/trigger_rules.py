"""Trigger rules as a pure function of the direct upstream tasks' states.

Returns what should happen to a waiting task instance; the scheduler applies it and the
``tasks failed-deps`` command explains it. Upstream tasks ``removed`` from the DAG count as
absent. Each rule decides as early as Airflow's does: a skip or a failure upstream can settle
a task before its other upstream tasks end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from tradewind.db.models import TaskInstanceState as S

ALL_DONE_SETUP_SUCCESS = "all_done_setup_success"


class Decision(Enum):
    RUN = "run"
    WAIT = "wait"
    SKIP = "skipped"
    UPSTREAM_FAILED = "upstream_failed"


@dataclass(frozen=True)
class Upstream:
    """How many direct upstream tasks ended in each way.

    ``failed`` counts ``failed`` and ``upstream_failed``; ``failed_itself`` only the tasks
    whose own try failed (``one_done`` tells the two apart, as Airflow does).
    """

    total: int
    success: int
    skipped: int
    failed: int
    failed_itself: int

    @classmethod
    def count(cls, states: list[str | None]) -> Upstream:
        counts = Counter(states)
        return cls(
            total=len(states),
            success=counts[S.SUCCESS],
            skipped=counts[S.SKIPPED],
            failed=counts[S.FAILED] + counts[S.UPSTREAM_FAILED],
            failed_itself=counts[S.FAILED],
        )

    @property
    def all_done(self) -> bool:
        return self.success + self.skipped + self.failed == self.total

    def when_done(self, decision: Decision) -> Decision:
        """``decision`` once every upstream task ended; until then, wait."""
        return decision if self.all_done else Decision.WAIT


def _all_success(up: Upstream) -> Decision:
    if up.failed:
        return Decision.UPSTREAM_FAILED
    if up.skipped:
        return Decision.SKIP
    return up.when_done(Decision.RUN)


def _all_failed(up: Upstream) -> Decision:
    if up.success or up.skipped:
        return Decision.SKIP
    return up.when_done(Decision.RUN)


def _all_done(up: Upstream) -> Decision:
    return up.when_done(Decision.RUN)


def _all_skipped(up: Upstream) -> Decision:
    if up.success or up.failed:
        return Decision.SKIP
    return up.when_done(Decision.RUN)


def _one_success(up: Upstream) -> Decision:
    if up.success:
        return Decision.RUN
    return up.when_done(Decision.SKIP if up.skipped == up.total else Decision.UPSTREAM_FAILED)


def _one_failed(up: Upstream) -> Decision:
    if up.failed:
        return Decision.RUN
    return up.when_done(Decision.SKIP)


def _one_done(up: Upstream) -> Decision:
    if up.success or up.failed_itself:
        return Decision.RUN
    return up.when_done(Decision.SKIP)


def _none_failed(up: Upstream) -> Decision:
    if up.failed:
        return Decision.UPSTREAM_FAILED
    return up.when_done(Decision.RUN)


def _none_failed_min_one_success(up: Upstream) -> Decision:
    if up.failed:
        return Decision.UPSTREAM_FAILED
    return up.when_done(Decision.RUN if up.success else Decision.SKIP)


def _none_skipped(up: Upstream) -> Decision:
    if up.skipped:
        return Decision.SKIP
    return up.when_done(Decision.RUN)


_RULES: dict[str, Callable[[Upstream], Decision]] = {
    "all_success": _all_success,
    "all_failed": _all_failed,
    "all_done": _all_done,
    "all_skipped": _all_skipped,
    "one_success": _one_success,
    "one_failed": _one_failed,
    "one_done": _one_done,
    "none_failed": _none_failed,
    "none_failed_min_one_success": _none_failed_min_one_success,
    "none_skipped": _none_skipped,
    "always": lambda up: Decision.RUN,
}


def _all_done_setup_success(up: Upstream, setups: Upstream) -> Decision:
    """A teardown: once all upstream ended, it runs if one of its setups succeeded; it is
    skipped when they all were, and not run (upstream_failed) when none succeeded."""
    if not up.all_done:
        return Decision.WAIT
    if setups.total == 0 or setups.success:
        return Decision.RUN
    if setups.skipped == setups.total:
        return Decision.SKIP
    return Decision.UPSTREAM_FAILED


def setup_constraint(relevant_setup_states: Iterable[str | None]) -> Decision | None:
    """Work between a setup and its teardown needs that setup, even if not directly
    upstream: it fails with the setup (upstream_failed), is skipped with it, and waits for
    it. ``None`` when the setups succeeded and the task's own trigger rule decides."""
    setups = Upstream.count([s for s in relevant_setup_states if s != S.REMOVED])
    if setups.failed:
        return Decision.UPSTREAM_FAILED
    if setups.skipped:
        return Decision.SKIP
    return None if setups.all_done else Decision.WAIT


def evaluate(
    rule: str,
    upstream_states: Iterable[str | None],
    setup_states: Iterable[str | None] = (),
) -> Decision:
    """The decision for a waiting task; ``setup_states`` are those of its direct upstream
    tasks that are setups (also among ``upstream_states``), read by a teardown's rule."""
    states = [s for s in upstream_states if s != S.REMOVED]
    if rule not in _RULES and rule != ALL_DONE_SETUP_SUCCESS:
        raise ValueError(f"unknown trigger rule {rule!r}")
    if not states:
        return Decision.RUN
    if rule == ALL_DONE_SETUP_SUCCESS:
        setups = Upstream.count([s for s in setup_states if s != S.REMOVED])
        return _all_done_setup_success(Upstream.count(states), setups)
    return _RULES[rule](Upstream.count(states))


def explain(rule: str, upstream: dict[str, str | None]) -> str:
    """One line for ``failed-deps``: the rule and the upstream states it saw."""
    states = ", ".join(
        f"{task_id}={state or 'none'}" for task_id, state in sorted(upstream.items())
    )
    return f"trigger rule {rule} not met by upstream tasks ({states})"
