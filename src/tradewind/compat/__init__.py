"""The ``airflow`` import layer: DAG files written for Airflow import Tradewind's objects.

One table (:mod:`.table`) of Airflow module path -> Tradewind objects, and the import hook
(:mod:`.hook`) that applies it when ``[core] airflow_compat`` is on.
"""

from __future__ import annotations

from tradewind.compat.hook import install, uninstall

__all__ = ["install", "uninstall"]
