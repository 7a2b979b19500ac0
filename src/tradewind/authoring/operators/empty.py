"""EmptyOperator: a task that does nothing, used to group or join branches."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator


class EmptyOperator(BaseOperator):
    ui_color = "#e8f7e4"

    def execute(self, context: Mapping[str, Any]) -> None:
        return None
