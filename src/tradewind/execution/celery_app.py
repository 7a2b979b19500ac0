"""The Celery application the CeleryExecutor sends to and ``tradewind celery worker`` runs.

One task, :data:`TASK_NAME`, carries a :class:`~tradewind.execution.workload.Workload` as
JSON and returns the try's :class:`~tradewind.execution.workload.TaskOutcome` as JSON.
Both sides build the app from the same ``[celery]`` section, so they agree on the broker,
the result backend and the queue names.

Delivery settings, and why:

* ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only
  after its try ended, so a worker that crashes or a broker that restarts does not drop
  queued work; the message goes back to the queue instead.
* ``worker_prefetch_multiplier = 1``: a worker reserves no more tries than it can start,
  so an idle worker is never waiting while a busy one sits on messages.
* Redelivery is harmless: the task runner claims a try in one transaction (the task
  instance must still be ``queued`` with the previous try number), so a message delivered
  twice starts the try once; the second delivery exits without touching anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.config import Config

if TYPE_CHECKING:
    from celery import Celery

TASK_NAME = "tradewind.execute_workload"


def celery_settings(config: Config) -> dict[str, object]:
    return {
        "broker_url": str(config.get("celery", "broker_url")),
        "result_backend": str(config.get("celery", "result_backend")),
        "task_default_queue": str(config.get("celery", "default_queue")),
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_concurrency": int(config.get("celery", "worker_concurrency")),
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_expires": 3600,
        "broker_connection_timeout": float(config.get("celery", "operation_timeout")),
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,  # a try sends its output to its own log file
        "worker_send_task_events": False,
    }


def create_celery_app(config: Config, *, with_worker_task: bool = False) -> Celery:
    """The app; ``with_worker_task`` registers the task body (only workers run it)."""
    from celery import Celery

    app = Celery("tradewind", set_as_current=False)
    app.conf.update(celery_settings(config))
    if with_worker_task:
        from tradewind.execution.celery_worker import WorkerRuntime

        runtime = WorkerRuntime(config)

        @app.task(name=TASK_NAME)
        def execute_workload(payload: str) -> str:
            return runtime.run_json(payload)

    return app
