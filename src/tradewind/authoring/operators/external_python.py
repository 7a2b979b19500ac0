"""ExternalPythonOperator: run a function with an interpreter that already exists."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tradewind.authoring.operators.python_subprocess import (
    PythonCallableFailed,
    PythonSubprocessOperator,
)
from tradewind.exceptions import DagDefinitionError


class ExternalPythonOperator(PythonSubprocessOperator):
    """Runs ``python_callable`` with the interpreter at ``python`` (a virtualenv's
    ``bin/python``, say), as Airflow 2's operator does: the function must be self-contained
    and what it needs must be installed there (with the serializer, if not ``pickle``)."""

    template_fields = (*PythonSubprocessOperator.template_fields, "python")

    def __init__(self, *, python: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not python or not isinstance(python, str):
            raise DagDefinitionError(
                f"python of task {self.task_id!r} must be the path of a Python interpreter, "
                f"got {python!r}"
            )
        self.python = python

    def interpreter(self, scratch: Path) -> str:
        if not os.access(self.python, os.X_OK) or Path(self.python).is_dir():
            raise PythonCallableFailed(
                f"python {self.python!r} of task {self.task_id!r} is not an executable "
                "interpreter on this machine"
            )
        return self.python
