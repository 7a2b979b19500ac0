"""Weight rules: how a task's effective priority is derived from its neighbours.

``downstream`` (the default) favours tasks that unblock a lot of work; ``upstream`` favours
finishing runs that are already far along; ``absolute`` uses the task's own weight only.
"""

from __future__ import annotations

from enum import StrEnum

from tradewind.exceptions import DagDefinitionError


class WeightRule(StrEnum):
    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"
    ABSOLUTE = "absolute"


def coerce_weight_rule(value: object, *, where: str) -> WeightRule:
    valid = [rule.value for rule in WeightRule]
    if isinstance(value, str) and value in valid:
        return WeightRule(value)
    raise DagDefinitionError(
        f"unknown weight_rule {value!r}{where}; valid rules are: {', '.join(valid)}"
    )
