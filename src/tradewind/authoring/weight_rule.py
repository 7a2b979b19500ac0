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


#: Value -> rule, built once: coercing is done for every task of every parsed DAG file.
_BY_VALUE = {rule.value: rule for rule in WeightRule}


def coerce_weight_rule(value: object, *, where: str) -> WeightRule:
    if isinstance(value, str) and value in _BY_VALUE:
        return _BY_VALUE[value]
    valid = list(_BY_VALUE)
    raise DagDefinitionError(
        f"unknown weight_rule {value!r}{where}; valid rules are: {', '.join(valid)}"
    )
