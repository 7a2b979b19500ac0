"""Public import path of
:class:`~tradewind.authoring.operators.datetime_branch.BranchDateTimeOperator`."""

from __future__ import annotations

from tradewind.authoring.operators.datetime_branch import BranchDateTimeOperator

__all__ = ["BranchDateTimeOperator"]
