"""The teardown trigger rule and the setup constraint as pure functions of upstream states."""

from __future__ import annotations

import pytest

from tradewind.scheduling.trigger_rules import Decision, evaluate, setup_constraint

RULE = "all_done_setup_success"


@pytest.mark.parametrize(
    ("upstream", "setups", "expected"),
    [
        (["success", "failed"], ["success"], Decision.RUN),  # work failed, setup ran
        (["success", "upstream_failed", "success"], ["success", "failed"], Decision.RUN),
        (["success", "running"], ["success"], Decision.WAIT),  # work still running
        (["failed", "upstream_failed"], ["failed"], Decision.UPSTREAM_FAILED),
        (["skipped", "skipped"], ["skipped"], Decision.SKIP),
        (["skipped", "failed"], ["skipped", "failed"], Decision.UPSTREAM_FAILED),
        (["success", "failed"], [], Decision.RUN),  # no setup upstream: all_done
    ],
)
def test_teardown_rule(upstream: list[str], setups: list[str], expected: Decision) -> None:
    assert evaluate(RULE, upstream, setups) is expected


@pytest.mark.parametrize(
    ("setups", "expected"),
    [
        (["success"], None),
        (["success", "running"], Decision.WAIT),
        (["success", "failed"], Decision.UPSTREAM_FAILED),
        (["upstream_failed"], Decision.UPSTREAM_FAILED),
        (["skipped", "success"], Decision.SKIP),
    ],
)
def test_setup_constraint(setups: list[str], expected: Decision | None) -> None:
    assert setup_constraint(setups) is expected
