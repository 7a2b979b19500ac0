"""A try's callbacks and email alerts, called in the try's own process.

Timing follows Airflow 2: ``on_execute_callback`` just before ``execute`` (templates
rendered), and once the try's outcome is known ``on_success_callback``,
``on_skipped_callback``, ``on_retry_callback`` (the try failed and will be retried) or
``on_failure_callback`` (it will not), plus ``email_on_retry`` / ``email_on_failure``.
The context is the task's, with ``exception`` for a failed try and ``ti.state`` the state
the try is about to be recorded with. A callback or an email that fails is logged in the
try's log; the task's state stays what its code made it.

A try whose process died (killed, hard timeout, a lost machine) cannot call these: the
scheduler asks the callback runner to (:mod:`tradewind.execution.callback_requests`).
"""

from __future__ import annotations

import html
import logging
import traceback
from collections.abc import Mapping
from typing import Any

from tradewind.authoring.callbacks import run_callbacks
from tradewind.states import TaskInstanceState

log = logging.getLogger("tradewind.task")


def will_retry(try_number: int, max_tries: int, allow_retry: bool, task: Any) -> bool:
    """Whether a failed try is retried (the rule ``fail_try`` records it by)."""
    return allow_retry and task is not None and try_number <= max_tries


def call_execute_callbacks(task: Any, context: Mapping[str, Any]) -> None:
    run_callbacks(task.on_execute_callback, context, "on_execute_callback", log)


def call_outcome_callbacks(
    task: Any,
    context: dict[str, Any],
    state: str,
    *,
    exception: BaseException | None = None,
    retrying: bool = False,
) -> None:
    """The callbacks and alerts of a try that ended with ``state`` (success, skipped,
    failed: ``retrying`` says whether it becomes up_for_retry)."""
    if state == TaskInstanceState.FAILED:
        state = TaskInstanceState.UP_FOR_RETRY if retrying else TaskInstanceState.FAILED
        context["exception"] = exception
    ti = context.get("ti")
    if ti is not None:
        ti.state = state
    name = _CALLBACK_OF.get(state)
    if name is not None:
        run_callbacks(getattr(task, name, []), context, name, log)
    if task.email and _ALERT_SETTING.get(state) and getattr(task, _ALERT_SETTING[state]):
        email_alert(task, context, exception)


_ALERT_SETTING: dict[str, str] = {
    TaskInstanceState.UP_FOR_RETRY: "email_on_retry",
    TaskInstanceState.FAILED: "email_on_failure",
}
_CALLBACK_OF: dict[str, str] = {
    TaskInstanceState.SUCCESS: "on_success_callback",
    TaskInstanceState.SKIPPED: "on_skipped_callback",
    TaskInstanceState.UP_FOR_RETRY: "on_retry_callback",
    TaskInstanceState.FAILED: "on_failure_callback",
}


def email_alert(task: Any, context: Mapping[str, Any], exception: BaseException | None) -> None:
    """Mail ``task.email`` that the try failed; a failure to send is logged, not raised."""
    from tradewind.integrations.smtp import send_email

    subject, body = alert_message(context, exception)
    try:
        send_email(task.email, subject, body)
    except Exception:
        log.exception("Failed to send the alert email to %s", task.email)


def alert_message(context: Mapping[str, Any], exception: BaseException | None) -> tuple[str, str]:
    """The subject and HTML body of a failure or retry alert."""
    ti = context["ti"]
    name = f"{ti.dag_id}.{ti.task_id} {ti.run_id}"
    subject = f"Tradewind alert: <TaskInstance: {name} [{ti.state}]>"
    if exception is None:
        error = "(no exception: the try's process ended without one)"
    else:
        error = "".join(traceback.format_exception(exception)).rstrip()
    body = (
        f"Try {ti.try_number} out of {ti.max_tries + 1}<br>"
        f"Exception:<br><pre>{html.escape(error)}</pre>"
        f"Host: {html.escape(str(getattr(ti, 'hostname', '')))}<br>"
    )
    return subject, body
