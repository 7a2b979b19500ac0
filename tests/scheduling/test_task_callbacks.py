"""Task callbacks and email alerts, called by tries under a real scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduling.harness import Harness
from tests.smtp_server import Inbox, smtp_server

CALLBACKS_DAG = """
from datetime import datetime, timedelta
from pathlib import Path
from tradewind import DAG
from tradewind.exceptions import TaskSkipped
from tradewind.notifications import BaseNotifier
from tradewind.operators.python import PythonOperator

OUT = Path("@TMP@") / "out"

def note(name):
    def callback(context):
        ti = context["ti"]
        error = context.get("exception")
        with open(OUT / name, "a") as handle:
            handle.write(f"{ti.task_id} try={ti.try_number} state={ti.state} error={error}\\n")
    return callback

class FileNotifier(BaseNotifier):
    template_fields = ("message",)

    def __init__(self, message):
        self.message = message

    def notify(self, context):
        with open(OUT / "notifier", "a") as handle:
            handle.write(self.message + "\\n")

def broken(context):
    raise ValueError("the pager is down")

def ok():
    with open(OUT / "ran", "a") as handle:
        handle.write("execute\\n")

def bad():
    raise RuntimeError("disk full")

def skip():
    raise TaskSkipped("nothing to do")

with DAG("callbacks", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(
        task_id="ok",
        python_callable=ok,
        on_execute_callback=note("ran"),
        on_success_callback=[note("success"), FileNotifier("{{ ti.task_id }} of {{ ds }} done")],
    )
    PythonOperator(
        task_id="flaky",
        python_callable=bad,
        retries=1,
        retry_delay=timedelta(seconds=0),
        on_retry_callback=note("retry"),
        on_failure_callback=note("failure"),
        email=["oncall@example.com"],
        email_on_retry=False,
    )
    PythonOperator(task_id="skip", python_callable=skip, on_skipped_callback=note("skipped"))
    PythonOperator(
        task_id="broken_callback",
        python_callable=lambda: None,
        on_success_callback=[broken, note("after")],
    )
"""


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as box:
        yield box


def read(tmp: Path, name: str) -> str:
    path = tmp / "out" / name
    return path.read_text() if path.exists() else ""


def test_task_callbacks_and_email_under_a_scheduler(harness: Harness, inbox: Inbox) -> None:
    (harness.tmp / "out").mkdir()
    harness.add_dag("callbacks", CALLBACKS_DAG)
    harness.sync()
    harness.start(**inbox.env)
    run_id = harness.trigger("callbacks")
    harness.wait_run("callbacks", run_id)
    tmp = harness.tmp

    assert harness.states("callbacks", run_id) == {
        "ok": "success",
        "flaky": "failed",
        "skip": "skipped",
        "broken_callback": "success",
    }
    # on_execute_callback runs before execute, on_success_callback after it.
    assert read(tmp, "ran").splitlines() == ["ok try=1 state=running error=None", "execute"]
    assert read(tmp, "success") == "ok try=1 state=success error=None\n"
    notified = read(tmp, "notifier").strip()
    assert notified.startswith("ok of 20") and notified.endswith(" done"), notified
    # The first try is retried (on_retry_callback), the second fails (on_failure_callback).
    assert read(tmp, "retry") == "flaky try=1 state=up_for_retry error=disk full\n"
    assert read(tmp, "failure") == "flaky try=2 state=failed error=disk full\n"
    assert read(tmp, "skipped") == "skip try=1 state=skipped error=None\n"
    # A callback that raises is logged in the try's log; the next one still runs.
    log = harness.try_log("callbacks", run_id, "broken_callback")
    assert "Error when executing on_success_callback" in log
    assert "ValueError: the pager is down" in log
    assert read(tmp, "after") == "broken_callback try=1 state=success error=None\n"
    # email_on_failure (on by default) mailed the last try's failure, not the retry.
    subjects = [got.message["Subject"] for got in inbox.received]
    assert subjects == [f"Tradewind alert: <TaskInstance: callbacks.flaky {run_id} [failed]>"]
    assert inbox.received[0].recipients == ["oncall@example.com"]
    assert (
        "disk full" in inbox.received[0].message.get_payload()[0].get_payload(decode=True).decode()
    )
