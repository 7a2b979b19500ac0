"""TaskFlow decorators for DAG files: ``from tradewind.decorators import dag, task``."""

from __future__ import annotations

from tradewind.authoring.dag_decorator import dag
from tradewind.authoring.taskflow import task

__all__ = ["dag", "task"]
