"""TaskFlow decorators for DAG files: ``from tradewind.decorators import dag, task``."""

from __future__ import annotations

from tradewind.authoring.dag_decorator import dag
from tradewind.authoring.task_group_decorator import task_group
from tradewind.authoring.taskflow import task
from tradewind.authoring.taskflow_setup_teardown import setup, teardown

__all__ = ["dag", "setup", "task", "task_group", "teardown"]
