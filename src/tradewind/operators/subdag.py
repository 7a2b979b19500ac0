"""Public import path of :class:`~tradewind.authoring.operators.subdag.SubDagOperator`."""

from __future__ import annotations

from tradewind.authoring.operators.subdag import SubDagOperator

__all__ = ["SubDagOperator"]
