"""SequentialExecutor: one try at a time (the only safe choice with some SQLite set-ups).

Same warm-fork machinery as the LocalExecutor, with a single slot.
"""

from __future__ import annotations

from tradewind.config import Config
from tradewind.execution.executors.local import LocalExecutor


class SequentialExecutor(LocalExecutor):
    def __init__(self, config: Config, parallelism: int | None = None) -> None:
        super().__init__(config, 1)
