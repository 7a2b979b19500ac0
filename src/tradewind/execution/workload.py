"""What an executor is handed and what it hands back: plain data, never ORM rows.

Keeping executors on this side of the line is what lets a Celery worker on another machine
run the same workload: everything needed to find and run the task instance is in here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple


class TaskKey(NamedTuple):
    """One try of one task instance."""

    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    map_index: int = -1

    @property
    def instance(self) -> tuple[str, str, str, int]:
        """The task instance this try belongs to (every try of it shares this)."""
        return (self.dag_id, self.run_id, self.task_id, self.map_index)


@dataclass(frozen=True)
class Workload:
    """One try to run. ``try_number`` is the try this workload starts (1-based)."""

    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    fileloc: str
    pool: str = "default_pool"
    queue: str = "default"
    priority_weight: int = 1
    execution_timeout: float | None = None  # seconds
    map_index: int = -1  # -1: the task is not mapped

    @property
    def key(self) -> TaskKey:
        return TaskKey(self.dag_id, self.run_id, self.task_id, self.try_number, self.map_index)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Workload:
        return cls(**json.loads(text))


#: An outcome's reason when the supervisor stopped the try because its task instance was
#: set to another state by hand (``detail`` is that state).
STOPPED_EXTERNALLY = "stopped_externally"


@dataclass(frozen=True)
class TaskOutcome:
    """A task's process ended. ``reason``: ``exited``, ``timeout``, ``start_failed``,
    ``stopped_externally`` or ``deferred`` (the try ended deferred and that was recorded).

    The final state is written before the outcome is sent (by the try, or by the runner
    host that supervises it); the scheduler uses an outcome only to notice a try whose
    process ended without one being written (killed, crashed, out of memory).
    """

    key: TaskKey
    reason: str
    returncode: int | None = None
    detail: str = ""

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["key"] = list(self.key)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> TaskOutcome:
        data = json.loads(text)
        data["key"] = TaskKey(*data["key"])
        return cls(**data)
