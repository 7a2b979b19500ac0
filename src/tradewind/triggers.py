"""Public import path of the triggers: ``from tradewind.triggers import TimeDeltaTrigger``.

Thin re-exports; the implementations live in :mod:`tradewind.authoring.triggers`.
"""

from __future__ import annotations

from tradewind.authoring.triggers import (
    BaseTrigger,
    DateTimeTrigger,
    FileTrigger,
    TimeDeltaTrigger,
    TriggerEvent,
)
from tradewind.authoring.triggers.external_task import DagStateTrigger, WorkflowTrigger

__all__ = [
    "BaseTrigger",
    "DagStateTrigger",
    "DateTimeTrigger",
    "FileTrigger",
    "TimeDeltaTrigger",
    "TriggerEvent",
    "WorkflowTrigger",
]
