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

__all__ = ["BaseTrigger", "DateTimeTrigger", "FileTrigger", "TimeDeltaTrigger", "TriggerEvent"]
