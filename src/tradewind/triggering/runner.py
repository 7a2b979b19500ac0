"""The coroutines: one asyncio task per trigger, their first events collected for the loop.

Everything here runs on the event loop and never touches the database; the triggerer's
loop reads :attr:`TriggerRunner.events` and :attr:`TriggerRunner.failures` and records them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from typing import Any

from tradewind.authoring.triggers.base import BaseTrigger
from tradewind.authoring.triggers.serde import encode
from tradewind.triggering.loading import load_trigger

log = logging.getLogger(__name__)


class TriggerRunner:
    """Runs triggers by id; :meth:`sync` starts new ones and cancels those gone."""

    def __init__(self, wake: asyncio.Event) -> None:
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._wake = wake
        #: (trigger id, event payload), waiting to be recorded.
        self.events: list[tuple[int, Any]] = []
        #: (trigger id, traceback lines) of triggers that raised or could not be loaded.
        self.failures: list[tuple[int, list[str]]] = []

    @property
    def running(self) -> set[int]:
        return set(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def sync(self, owned: set[int], new_rows: list[tuple[int, str, str]]) -> None:
        """Cancel what this triggerer no longer owns (fired, cleared, timed out, taken over);
        start the triggers of ``new_rows``."""
        for trigger_id in set(self._tasks) - owned:
            self._tasks.pop(trigger_id).cancel()
        for trigger_id, classpath, kwargs in new_rows:
            if trigger_id in self._tasks:
                continue
            try:
                trigger = load_trigger(classpath, kwargs)
            except Exception:
                log.error("Trigger %d could not be loaded", trigger_id, exc_info=True)
                self._fail(trigger_id)
                continue
            trigger.trigger_id = trigger_id
            self._tasks[trigger_id] = asyncio.create_task(
                self._run(trigger_id, trigger), name=f"trigger-{trigger_id}"
            )

    def forget(self, trigger_ids: list[int]) -> None:
        """Drop the finished triggers whose outcomes are now recorded (their rows deleted).

        Done at once, not at the next :meth:`sync`: SQLite reuses a deleted row's id, so a
        new trigger may get the id of one that just fired, and must not be taken for it."""
        for trigger_id in trigger_ids:
            self._tasks.pop(trigger_id, None)

    def take_outcomes(self) -> tuple[list[tuple[int, Any]], list[tuple[int, list[str]]]]:
        events, failures = self.events, self.failures
        self.events, self.failures = [], []
        return events, failures

    async def _run(self, trigger_id: int, trigger: BaseTrigger) -> None:
        try:
            async for event in trigger.run():
                log.info("Trigger %d fired: %r", trigger_id, event)
                # A payload that cannot be stored fails the task here, not every pass.
                encode(event.payload, f"the event of trigger {trigger_id}")
                self.events.append((trigger_id, event.payload))
                self._wake.set()
                break  # the first event ends the wait, as in Airflow
            else:
                log.warning("Trigger %d ended without an event", trigger_id)
                self._fail(trigger_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.error("Trigger %d raised", trigger_id, exc_info=True)
            self._fail(trigger_id)
        finally:
            with contextlib.suppress(Exception):
                await trigger.cleanup()

    def _fail(self, trigger_id: int) -> None:
        lines = traceback.format_exc().rstrip().splitlines()
        self.failures.append((trigger_id, lines if lines != ["NoneType: None"] else []))
        self._wake.set()

    async def cancel_all(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
