"""Trigger rules: when a task may run given the states of its direct upstream tasks.

The values are plain strings (the enum subclasses ``str``) so they serialize as-is and compare
equal to the strings users write in DAG files.
"""

from __future__ import annotations

from enum import StrEnum

from tradewind.exceptions import DagDefinitionError


class TriggerRule(StrEnum):
    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ALL_SKIPPED = "all_skipped"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"
    ALWAYS = "always"

    @classmethod
    def all_values(cls) -> list[str]:
        return [rule.value for rule in cls]


def coerce_trigger_rule(value: object, *, where: str) -> TriggerRule:
    """Turn a user-supplied rule into a :class:`TriggerRule`, naming the valid ones on error."""
    valid = TriggerRule.all_values()
    if isinstance(value, str) and value in valid:
        return TriggerRule(value)
    raise DagDefinitionError(
        f"unknown trigger_rule {value!r}{where}; valid rules are: {', '.join(valid)}"
    )
