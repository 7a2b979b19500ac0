"""Operators for DAG files: ``from tradewind.operators.bash import BashOperator``.

Thin re-exports; the implementations live in :mod:`tradewind.authoring.operators`.
"""
