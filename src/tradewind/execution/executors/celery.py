"""CeleryExecutor: tries run on ``tradewind celery worker`` processes, on any machine.

The scheduler must never wait on the broker, so one background thread (the *bridge*) does
all the talking to Celery: it publishes queued workloads to the task's ``queue`` and
watches the result backend for tries that ended. A broker that is down only delays the
sending: workloads stay in the outbox (their task instances stay ``queued`` in the
database) and go out when the broker answers again.

What the results are for: the worker records a try's final state in the database and wakes
the scheduler, so downstream tasks never wait for Celery's result. The result tells the
executor that the try's process ended, which frees its slot (``[core] parallelism``) and
lets the scheduler fail or retry a try whose process died before recording anything.
With a key-value result backend (Redis) one ``MGET`` a tick fetches all of them; other
backends are asked task by task.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any

from tradewind.authoring.baseoperator import DEFAULT_QUEUE
from tradewind.config import Config
from tradewind.execution.celery_app import TASK_NAME, create_celery_app
from tradewind.execution.executors.base import BaseExecutor
from tradewind.execution.workload import TaskKey, TaskOutcome, Workload

log = logging.getLogger(__name__)

#: Seconds between result-backend reads while tries are outstanding.
RESULT_POLL_SECONDS = 0.05
#: Longest wait before trying an unreachable broker again.
MAX_BACKOFF_SECONDS = 5.0

READY_STATES = frozenset({"SUCCESS", "FAILURE", "REVOKED"})


class CeleryExecutor(BaseExecutor):
    def __init__(self, config: Config, parallelism: int | None = None) -> None:
        super().__init__(config, parallelism)
        self.default_queue = str(config.get("celery", "default_queue"))
        self._lock = threading.Lock()
        self._wake_bridge = threading.Event()
        self._outbox: deque[Workload] = deque()
        self._sent: dict[str, TaskKey] = {}  # Celery task id -> try
        self._arrived: list[TaskOutcome] = []
        self._stopping = False
        self._backoff = 0.0
        #: ``None`` until the first send; then whether the last send reached the broker.
        self.broker_reachable: bool | None = None

    # --- the scheduler's side ----------------------------------------------------------------

    def start(self) -> None:
        self._app = create_celery_app(self.config)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._thread = threading.Thread(target=self._bridge, name="tradewind-celery", daemon=True)
        self._thread.start()

    def _submit(self, workload: Workload) -> None:
        self._forget_earlier_tries(workload.key)
        with self._lock:
            self._outbox.append(workload)
        self._wake_bridge.set()

    def _forget_earlier_tries(self, key: TaskKey) -> None:
        """A new message for this task instance replaces what was sent for it before.

        A newer try means the older one is over for us: its worker may have died with the
        message unacknowledged (the broker hands it out again much later, and the try then
        refuses to start), so do not hold its slot meanwhile. The same try sent again
        (``task_queued_timeout``: its message was lost) is watched through the new message.
        """
        for old in [
            k for k in self.running if k.instance == key.instance and k.try_number < key.try_number
        ]:
            del self.running[old]
        with self._lock:
            for celery_id, sent_key in list(self._sent.items()):
                if sent_key.instance == key.instance and sent_key.try_number <= key.try_number:
                    del self._sent[celery_id]

    def fileno(self) -> int:
        return self._wake_r

    def _collect(self) -> list[TaskOutcome]:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_r, 4096):
                pass
        with self._lock:
            arrived, self._arrived = self._arrived, []
        return arrived

    def end(self) -> None:
        """Send what is still waiting if the broker answers, then stop the bridge.

        Whatever could not be sent stays ``queued`` in the database under this scheduler's
        job; the next scheduler to start (or another one running) queues it again.
        """
        self._stopping = True
        self._wake_bridge.set()
        self._thread.join(timeout=10)
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    # --- the bridge thread -----------------------------------------------------------------

    def _bridge(self) -> None:
        timeout: float | None = None
        while True:
            self._wake_bridge.wait(timeout)
            self._wake_bridge.clear()
            self._send_outbox()
            if self._stopping:
                return
            self._read_results()
            with self._lock:
                waiting, outstanding = bool(self._outbox), bool(self._sent)
            if waiting:
                timeout = self._backoff
            elif outstanding:
                timeout = RESULT_POLL_SECONDS
            else:
                timeout = None

    def _send_outbox(self) -> None:
        while True:
            with self._lock:
                if not self._outbox:
                    return
                workload = self._outbox[0]
            celery_id = uuid.uuid4().hex
            queue = workload.queue if workload.queue != DEFAULT_QUEUE else self.default_queue
            try:
                self._app.send_task(
                    TASK_NAME,
                    args=[workload.to_json()],
                    queue=queue or self.default_queue,
                    task_id=celery_id,
                    retry=True,
                    retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
                )
            except Exception as exc:
                self._broker_down(exc)
                return
            with self._lock:
                self._outbox.popleft()
                self._sent[celery_id] = workload.key
                waiting = len(self._outbox)
            if self.broker_reachable is False:
                log.info("Celery broker reachable again; sending %d waiting task(s)", waiting + 1)
            self.broker_reachable = True
            self._backoff = 0.0

    def _broker_down(self, exc: Exception) -> None:
        if self.broker_reachable is not False:
            with self._lock:
                waiting = len(self._outbox)
            log.warning(
                "Celery broker unreachable (%s: %s); %d task(s) wait to be sent",
                type(exc).__name__,
                exc,
                waiting,
            )
        self.broker_reachable = False
        self._backoff = min(max(self._backoff * 2, 0.25), MAX_BACKOFF_SECONDS)

    def _read_results(self) -> None:
        with self._lock:
            ids = list(self._sent)
        if not ids:
            return
        try:
            finished = list(_finished_results(self._app, ids))
        except Exception as exc:
            log.warning("Could not read Celery results: %s: %s", type(exc).__name__, exc)
            return
        if not finished:
            return
        outcomes = []
        with self._lock:
            for celery_id, state, result in finished:
                key = self._sent.pop(celery_id, None)
                if key is not None:
                    outcomes.append(_outcome(key, state, result))
            self._arrived.extend(outcomes)
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"x")


def _finished_results(app: Any, ids: list[str]) -> Iterator[tuple[str, str, Any]]:
    """(id, state, result) of the tasks among ``ids`` that have ended."""
    from celery.backends.base import KeyValueStoreBackend

    backend = app.backend
    if isinstance(backend, KeyValueStoreBackend):
        values = backend.mget([backend.get_key_for_task(celery_id) for celery_id in ids])
        for celery_id, value in zip(ids, values, strict=True):
            if value is None:
                continue
            meta = backend.decode_result(value)
            if meta["status"] in READY_STATES:
                yield celery_id, meta["status"], meta["result"]
        return
    for celery_id in ids:
        result = app.AsyncResult(celery_id)
        if result.state in READY_STATES:
            yield celery_id, result.state, result.result


def _outcome(key: TaskKey, state: str, result: Any) -> TaskOutcome:
    if state == "SUCCESS" and isinstance(result, str):
        return TaskOutcome.from_json(result)
    return TaskOutcome(key, "exited", None, f"the Celery task ended {state}: {result}")
