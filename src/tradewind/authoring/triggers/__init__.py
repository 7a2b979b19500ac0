"""Triggers: small async waits a deferred task hands to ``tradewind triggerer``.

They live in the authoring layer because DAG files import them (to pass to ``defer``) as much
as the triggerer does (to run them); nothing here touches the database.
"""

from tradewind.authoring.triggers.base import BaseTrigger, TriggerEvent
from tradewind.authoring.triggers.file import FileTrigger
from tradewind.authoring.triggers.temporal import DateTimeTrigger, TimeDeltaTrigger

__all__ = ["BaseTrigger", "DateTimeTrigger", "FileTrigger", "TimeDeltaTrigger", "TriggerEvent"]
