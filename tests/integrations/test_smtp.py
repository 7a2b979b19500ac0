"""send_email and EmailOperator against a real SMTP server on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.smtp_server import Inbox, smtp_server
from tradewind.config import Config, load_config
from tradewind.integrations import smtp
from tradewind.integrations.smtp import SmtpSettings, send_email


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as box:
        yield box


def settings_for(inbox: Inbox, tmp_path: Path) -> Config:
    return load_config({"TRADEWIND_HOME": str(tmp_path), **inbox.env}, write_file=False)


def wait_for_mail(inbox: Inbox, count: int = 1) -> None:
    deadline = time.monotonic() + 5
    while len(inbox.received) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(inbox.received) >= count, inbox.received


def test_send_email_delivers_subject_recipients_and_attachment(
    inbox: Inbox, tmp_path: Path
) -> None:
    attachment = tmp_path / "report.csv"
    attachment.write_text("a,b\n1,2\n")
    config = settings_for(inbox, tmp_path)
    send_email(
        "ops@example.com; dev@example.com",
        "Nightly report",
        "<b>all good</b>",
        files=[str(attachment)],
        cc=["cc@example.com"],
        bcc="hidden@example.com",
        settings=SmtpSettings.from_config(config),
    )
    wait_for_mail(inbox)
    got = inbox.received[0]
    assert got.message["Subject"] == "Nightly report"
    assert got.message["From"] == "tradewind@test.example"
    assert got.message["To"] == "ops@example.com, dev@example.com"
    assert "hidden@example.com" not in str(got.message)
    assert sorted(got.recipients) == sorted(
        ["ops@example.com", "dev@example.com", "cc@example.com", "hidden@example.com"]
    )
    parts = {part.get_filename(): part for part in got.message.walk() if part.get_filename()}
    assert parts["report.csv"].get_payload(decode=True) == b"a,b\n1,2\n"


def test_send_email_reads_the_process_configuration(inbox: Inbox, tmp_path: Path) -> None:
    config = settings_for(inbox, tmp_path)
    smtp.use_config(lambda: config)
    try:
        send_email(["ops@example.com"], "from config", "<p>hi</p>")
    finally:
        smtp._config_source = None
    wait_for_mail(inbox)
    assert inbox.received[0].message["Subject"] == "from config"


def test_an_unreachable_server_is_an_error_naming_it(tmp_path: Path) -> None:
    from tests.smtp_server import free_port

    env = {
        "TRADEWIND_HOME": str(tmp_path),
        "TRADEWIND__SMTP__SMTP_HOST": "127.0.0.1",
        "TRADEWIND__SMTP__SMTP_PORT": str(free_port()),
        "TRADEWIND__SMTP__SMTP_RETRY_LIMIT": "2",
    }
    settings = SmtpSettings.from_config(load_config(env, write_file=False))
    with pytest.raises(OSError):
        send_email("ops@example.com", "never", "x", settings=settings)


def test_starttls_against_a_server_without_it_is_refused(inbox: Inbox, tmp_path: Path) -> None:
    env = {"TRADEWIND_HOME": str(tmp_path), **inbox.env, "TRADEWIND__SMTP__SMTP_STARTTLS": "True"}
    settings = SmtpSettings.from_config(load_config(env, write_file=False))
    with pytest.raises(Exception, match="STARTTLS"):
        send_email("ops@example.com", "never", "x", settings=settings)
    assert inbox.received == []


def test_email_operator_conn_id_is_warned_about_not_ignored() -> None:
    from tradewind.authoring.dag import DAG
    from tradewind.authoring.unimplemented import UnimplementedArgumentWarning
    from tradewind.integrations.email_operator import EmailOperator

    with DAG("mail", schedule=None), pytest.warns(UnimplementedArgumentWarning, match=r"\[smtp\]"):
        EmailOperator(task_id="m", to="a@example.com", subject="s", html_content="h", conn_id="x")
