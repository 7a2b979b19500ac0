"""Callbacks, notifiers and email in an Airflow-syntax DAG file, under a real scheduler."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.compat.test_airflow_dag_runs import compat_harness
from tests.scheduling.harness import Harness
from tests.smtp_server import Inbox, smtp_server

__all__ = ["compat_harness"]

AIRFLOW_DAG = """
from pathlib import Path
import pendulum
from airflow import DAG
from airflow.notifications.basenotifier import BaseNotifier
from airflow.operators.bash import BashOperator
from airflow.operators.email import EmailOperator
from airflow.providers.smtp.operators.smtp import EmailOperator as ProviderEmailOperator
from airflow.utils.email import send_email

OUT = Path("@TMP@")

class FileNotifier(BaseNotifier):
    template_fields = ("message",)

    def __init__(self, message):
        super().__init__()
        self.message = message

    def notify(self, context):
        (OUT / "notified").write_text(self.message)

def page_on_failure(context):
    send_email(to="pager@example.com", subject=f"run failed: {context['reason']}",
               html_content=context["dag_run"].run_id)

with DAG(
    dag_id="alerts",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule_interval=None,
    default_args={"email": ["team@example.com"], "email_on_failure": True, "retries": 0},
    on_failure_callback=page_on_failure,
) as dag:
    report = EmailOperator(
        task_id="report",
        to="boss@example.com",
        subject="Report for {{ ds }}",
        html_content="<p>run {{ run_id }}</p>",
        on_success_callback=FileNotifier("{{ task.task_id }} sent"),
    )
    also = ProviderEmailOperator(task_id="also", to="ops@example.com", subject="provider path",
                                 html_content="x")
    fail = BashOperator(task_id="fail", bash_command="exit 1")
    report >> also >> fail
"""


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as box:
        yield box


def test_airflow_callbacks_notifiers_and_email(compat_harness: Harness, inbox: Inbox) -> None:
    h = compat_harness
    h.add_dag("alerts", AIRFLOW_DAG)
    h.sync()
    h.start(**inbox.env)
    run_id = h.trigger("alerts", run_id="alerting")
    assert h.wait_run("alerts", run_id, timeout=60) == "failed"
    h.wait_for(lambda: len(inbox.received) >= 4, timeout=30, what="four emails")
    by_subject = {got.message["Subject"]: got for got in inbox.received}
    report = next(s for s in by_subject if s.startswith("Report for 20"))
    assert by_subject[report].recipients == ["boss@example.com"]
    assert by_subject["provider path"].recipients == ["ops@example.com"]
    alert = f"Tradewind alert: <TaskInstance: alerts.fail {run_id} [failed]>"
    assert by_subject[alert].recipients == ["team@example.com"]
    assert by_subject["run failed: task_failure"].recipients == ["pager@example.com"]
    assert (h.tmp / "notified").read_text() == "report sent"
