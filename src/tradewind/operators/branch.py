"""Public import path of the branching operators (:mod:`tradewind.authoring.operators.branch`)."""

from __future__ import annotations

from tradewind.authoring.operators.branch import (
    BaseBranchOperator,
    BranchMixIn,
    BranchPythonOperator,
)

__all__ = ["BaseBranchOperator", "BranchMixIn", "BranchPythonOperator"]
