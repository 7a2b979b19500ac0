"""FileSensor: wait until a file (or a glob match, or a non-empty folder) exists."""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from tradewind.authoring.sensors.base import BaseSensorOperator
from tradewind.exceptions import AirflowException

log = logging.getLogger("tradewind.task")


class FileSensor(BaseSensorOperator):
    """``filepath`` may be a glob (``**`` with ``recursive=True``); a folder counts once it
    holds something.

    ``fs_conn_id`` is accepted for Airflow DAG files: a filesystem connection only gives a
    base path, which Tradewind does not read (a relative ``filepath`` is relative to the
    try's working directory), so anything but the default ``fs_default`` warns.
    """

    template_fields: Sequence[str] = ("filepath",)
    ui_color = "#91818a"

    def __init__(
        self,
        *,
        filepath: str | os.PathLike[str],
        fs_conn_id: str = "fs_default",
        recursive: bool = False,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._accept_deferrable(deferrable)
        self.filepath = os.fspath(filepath)
        self.fs_conn_id = fs_conn_id
        self.recursive = bool(recursive)
        if fs_conn_id != "fs_default":
            import warnings

            warnings.warn(
                f"fs_conn_id={fs_conn_id!r} of sensor {self.task_id!r} is not read: "
                "Tradewind looks for filepath as written",
                UserWarning,
                stacklevel=2,
            )

    def deferral_trigger(self, context: Mapping[str, Any]) -> Any:
        """``deferrable=True``: as in Airflow, one poke here first; if the file is not
        there yet, a :class:`FileTrigger` looks every ``poke_interval`` in the triggerer."""
        from tradewind.authoring.triggers.file import FileTrigger

        if self.poke(context):
            return None  # found: the poke loop returns at its first poke
        return FileTrigger(
            filepath=self.filepath,
            recursive=self.recursive,
            poke_interval=max(self.poke_interval, 0.1),
        )

    def execute_complete(self, context: Mapping[str, Any], event: Any = None) -> None:
        if not event:
            raise AirflowException("FileSensor's trigger ended without finding the file")
        log.info("Found %s (the trigger saw it)", self.filepath)

    def poke(self, context: Mapping[str, Any]) -> bool:
        log.info("Poking for file %s", self.filepath)
        for path in glob.glob(self.filepath, recursive=self.recursive):
            if os.path.isfile(path):
                log.info("Found file %s", path)
                return True
            for _, _, files in os.walk(path):
                if files:
                    log.info("Found a file under %s", path)
                    return True
        return False
