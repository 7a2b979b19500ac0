"""The ``tradewind`` command line. Each module below adds its commands to a group."""

from __future__ import annotations

import importlib

from tradewind.cli.app import main

COMMAND_MODULES = [
    "celery_commands",
    "client_commands",
    "config_commands",
    "connections_commands",
    "dag_folder_commands",
    "dag_test_commands",
    "db_clean_commands",
    "db_commands",
    "kerberos_commands",
    "misc_commands",
    "render_commands",
    "scheduler_commands",
    "triggerer_commands",
    "users_commands",
    "variables_commands",
    "webserver_commands",
]

for _module in COMMAND_MODULES:
    importlib.import_module(f"tradewind.cli.{_module}")

__all__ = ["main"]
