"""BashSensor: wait until a bash command exits 0."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from tradewind.authoring.sensors.base import BaseSensorOperator
from tradewind.exceptions import AirflowFailException


class BashSensor(BaseSensorOperator):
    """Runs ``bash_command`` each poke: exit 0 ends the wait, any other code pokes again.

    As in Airflow, ``retry_exit_code`` narrows that: then only that code pokes again and
    any other non-zero code fails the task.
    """

    template_fields: Sequence[str] = ("bash_command", "env")

    def __init__(
        self,
        *,
        bash_command: str,
        env: Mapping[str, str] | None = None,
        output_encoding: str = "utf-8",
        retry_exit_code: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = dict(env) if env is not None else None
        self.output_encoding = output_encoding
        self.retry_exit_code = retry_exit_code

    def poke(self, context: Mapping[str, Any]) -> bool:
        with tempfile.TemporaryDirectory(prefix="tradewind-sensor-") as cwd:
            completed = subprocess.run(
                ["bash", "-c", self.bash_command],
                cwd=cwd,
                env=self.env if self.env is not None else dict(os.environ),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                check=False,
            )
        for line in completed.stdout.decode(self.output_encoding, "replace").splitlines():
            print(line)
        code = completed.returncode
        if code == 0:
            return True
        if self.retry_exit_code is not None and code != self.retry_exit_code:
            raise AirflowFailException(f"bash_command exited with {code}: failing the sensor")
        return False
