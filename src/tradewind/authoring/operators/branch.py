"""Branching: a task that picks which of its direct downstream tasks run.

The chosen tasks (and any direct downstream task below a chosen one) run; the other direct
downstream tasks are marked skipped by the branch task itself while it runs, and the
scheduler's trigger rules carry the skip further down (a join after a branch wants
``none_failed_min_one_success``). The chosen ids are the task's return value (XCom).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.operators.python import PythonOperator
from tradewind.authoring.skipping import (
    FOLLOWED,
    SkipsDownstream,
    decide_branch,
    log,
    record_decision,
    skip,
)

BranchChoice = str | Iterable[str] | None


class BranchMixIn(SkipsDownstream):
    """Gives an operator :meth:`do_branch`: skip what was not chosen, return the choice."""

    def do_branch(self, context: Mapping[str, Any], branches: BranchChoice) -> BranchChoice:
        task: BaseOperator = context["task"]
        if isinstance(branches, Iterable) and not isinstance(branches, str):
            branches = list(branches)  # a set, tuple or generator: read once, XCom a list
        decision = decide_branch(task, branches)
        log.info("Branch into %s", branches)
        if decision.followed:
            log.info("Following %s", ", ".join(decision.followed))
        skip(context, decision.skipped)
        if task.downstream_task_ids:
            record_decision(context, FOLLOWED, decision.followed)
        return branches


class BaseBranchOperator(BaseOperator, BranchMixIn):
    """Subclass it and implement :meth:`choose_branch` to branch on anything you can compute."""

    def choose_branch(self, context: Mapping[str, Any]) -> BranchChoice:
        """The task id(s) to follow: a task id, a list of them, or ``None`` for none."""
        raise NotImplementedError(
            f"{type(self).__name__} (task {self.task_id!r}) must implement choose_branch()"
        )

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.do_branch(context, self.choose_branch(context))


class BranchPythonOperator(PythonOperator, BranchMixIn):
    """A :class:`PythonOperator` whose callable returns the task id(s) to follow."""

    ui_color = "#ffefeb"

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.do_branch(context, super().execute(context))
