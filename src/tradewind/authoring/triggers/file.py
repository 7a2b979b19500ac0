"""``FileTrigger``: fires once a file (or a glob pattern) exists."""

from __future__ import annotations

import asyncio
import glob
import os
from collections.abc import AsyncIterator
from typing import Any

from tradewind.authoring.triggers.base import BaseTrigger, TriggerEvent


class FileTrigger(BaseTrigger):
    """Looks every ``poke_interval`` seconds for ``filepath`` (a path or glob pattern;
    ``recursive`` lets ``**`` match folders). As in Airflow, the event's payload is ``True``."""

    def __init__(
        self, filepath: str, recursive: bool = False, poke_interval: float = 5.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if not filepath:
            raise ValueError("FileTrigger needs a filepath")
        if poke_interval <= 0:
            raise ValueError(f"FileTrigger's poke_interval must be positive, got {poke_interval}")
        self.filepath = str(filepath)
        self.recursive = recursive
        self.poke_interval = float(poke_interval)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "tradewind.authoring.triggers.file.FileTrigger",
            {
                "filepath": self.filepath,
                "recursive": self.recursive,
                "poke_interval": self.poke_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        while True:
            found = await asyncio.to_thread(self._first_match)
            if found is not None:
                yield TriggerEvent(True)
                return
            await asyncio.sleep(self.poke_interval)

    def _first_match(self) -> str | None:
        """A file matching the pattern, or a file under a matching folder (as FileSensor)."""
        for path in glob.iglob(self.filepath, recursive=self.recursive):
            if os.path.isfile(path):
                return path
            for folder, _, files in os.walk(path):
                if files:
                    return os.path.join(folder, files[0])
        return None
