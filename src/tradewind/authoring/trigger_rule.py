"""Trigger rules: when a task may run given the states of its direct upstream tasks.

The values are plain strings (the enum subclasses ``str``) so they serialize as-is and compare
equal to the strings users write in DAG files.
"""

from __future__ import annotations

import warnings
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
    # A teardown's rule (set by ``as_teardown``): all upstream done and one setup succeeded.
    ALL_DONE_SETUP_SUCCESS = "all_done_setup_success"
    # Older Airflow names, kept as aliases so that old DAG files still parse.
    DUMMY = "always"
    NONE_FAILED_OR_SKIPPED = "none_failed_min_one_success"

    @classmethod
    def all_values(cls) -> list[str]:
        return [rule.value for rule in cls]


#: Value -> rule, built once: coercing is done for every task of every parsed DAG file.
_BY_VALUE = {rule.value: rule for rule in TriggerRule}

#: Old name -> the rule it was renamed to, read off the enum's aliases.
_RENAMED = {
    name.lower(): rule
    for name, rule in TriggerRule.__members__.items()
    if name.lower() != rule.value
}


def coerce_trigger_rule(value: object, *, where: str) -> TriggerRule:
    """Turn a user-supplied rule into a :class:`TriggerRule`, naming the valid ones on error.

    Airflow's older names (``dummy``, ``none_failed_or_skipped``) become the rules they were
    renamed to, with a ``DeprecationWarning``.
    """
    if isinstance(value, str) and value in _BY_VALUE:
        return _BY_VALUE[value]
    if isinstance(value, str) and value in _RENAMED:
        renamed = _RENAMED[value]
        warnings.warn(
            f"trigger_rule {value!r}{where} is an old name for {renamed.value!r}; write "
            f"{renamed.value!r}",
            DeprecationWarning,
            stacklevel=3,
        )
        return renamed
    raise DagDefinitionError(
        f"unknown trigger_rule {value!r}{where}; valid rules are: "
        f"{', '.join(TriggerRule.all_values())}"
    )
