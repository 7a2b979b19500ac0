"""Public import path of :class:`~tradewind.authoring.operators.bash.BashOperator`."""

from __future__ import annotations

from tradewind.authoring.operators.bash import BashCommandFailed, BashOperator

__all__ = ["BashCommandFailed", "BashOperator"]
