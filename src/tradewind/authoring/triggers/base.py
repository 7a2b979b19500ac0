"""The trigger contract: what a user's own trigger implements.

A trigger is one wait (a moment, a file, a remote job's end) written as an ``async``
generator, so that one ``tradewind triggerer`` process can wait on thousands at once. It
must be rebuilt from data in another process, hence :meth:`BaseTrigger.serialize`.

Writing one::

    class JobDoneTrigger(BaseTrigger):
        def __init__(self, job_id: str, poll: float = 5.0):
            super().__init__()
            self.job_id, self.poll = job_id, poll

        def serialize(self):
            return ("my_triggers.JobDoneTrigger", {"job_id": self.job_id, "poll": self.poll})

        async def run(self):
            while not await job_is_done(self.job_id):   # never block: await
                await asyncio.sleep(self.poll)
            yield TriggerEvent({"job_id": self.job_id})

Put the class in a module the triggerer can import: a module in the DAG folder (which is on
``sys.path``, as in Airflow) or an installed package, not the DAG file itself.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from typing import Any


class TriggerEvent:
    """What a trigger yields when its wait is over; ``payload`` reaches ``method_name``
    as ``event`` (it must be JSON data, datetimes or timedeltas)."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TriggerEvent) and other.payload == self.payload

    def __hash__(self) -> int:
        return hash(repr(self.payload))

    def __repr__(self) -> str:
        return f"TriggerEvent<{self.payload!r}>"


class BaseTrigger(abc.ABC):
    """Subclass it, implement :meth:`serialize` and :meth:`run`.

    The triggerer rebuilds the trigger as ``cls(**kwargs)`` from what :meth:`serialize`
    returned, calls :meth:`run` and takes its first event; :meth:`cleanup` runs after, however
    the trigger ended (fired, cancelled because its task was cleared, its triggerer stopping).
    """

    def __init__(self, **kwargs: Any) -> None:
        # Airflow's triggers accept and ignore extra keyword arguments here; so do ours.
        self.trigger_id: int | None = None
        self.task_instance: Any = None

    @abc.abstractmethod
    def serialize(self) -> tuple[str, dict[str, Any]]:
        """``("module.ClassName", kwargs)``: enough to rebuild this trigger elsewhere."""

    @abc.abstractmethod
    def run(self) -> AsyncIterator[TriggerEvent]:
        """An ``async`` generator: ``await`` while waiting, ``yield TriggerEvent(...)`` when
        done. It must never block the event loop (no ``time.sleep``, no blocking I/O)."""

    async def cleanup(self) -> None:
        """Release what :meth:`run` holds; called once the trigger stops, however."""
        return None

    def __repr__(self) -> str:
        classpath, kwargs = self.serialize()
        args = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
        return f"<{classpath} {args}>"
