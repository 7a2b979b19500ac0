"""Sending email through the ``[smtp]`` server: ``send_email`` and the alerts of a try.

Airflow's ``airflow.utils.email.send_email`` under the same name and arguments. The
settings are ``[smtp]``'s keys (Airflow's names). A process that runs tries is told its
configuration once (:func:`use_config`); elsewhere the configuration is loaded on first
use. ``smtplib`` is imported only when a message is sent, so the warm processes tries are
forked from stay small.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.mime.multipart import MIMEMultipart

    from tradewind.config import Config

log = logging.getLogger(__name__)

_config_source: Callable[[], Config] | None = None


def use_config(source: Callable[[], Config]) -> None:
    """Where this process's ``[smtp]`` settings come from (called lazily, when mailing)."""
    global _config_source
    _config_source = source


def _current_config() -> Config:
    if _config_source is not None:
        return _config_source()
    from tradewind.config import load_config

    return load_config(write_file=False)


@dataclass(frozen=True)
class SmtpSettings:
    """``[smtp]``: how to reach the server, and the From address."""

    host: str
    port: int
    starttls: bool
    ssl: bool
    user: str
    password: str
    mail_from: str
    timeout: float
    retry_limit: int

    @classmethod
    def from_config(cls, config: Config) -> SmtpSettings:
        def get(key: str) -> Any:
            return config.get("smtp", f"smtp_{key}")

        return cls(
            host=get("host"),
            port=get("port"),
            starttls=get("starttls"),
            ssl=get("ssl"),
            user=get("user"),
            password=get("password"),
            mail_from=get("mail_from"),
            timeout=get("timeout"),
            retry_limit=max(int(get("retry_limit")), 1),
        )


def send_email(
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    files: Iterable[str] | None = None,
    dryrun: bool = False,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    from_email: str | None = None,
    custom_headers: Mapping[str, Any] | None = None,
    *,
    settings: SmtpSettings | None = None,
    **_: Any,
) -> None:
    """Send an HTML email (with ``files`` attached) through the ``[smtp]`` server.

    ``to``, ``cc`` and ``bcc`` take a list or a comma/semicolon-separated string, as in
    Airflow; ``bcc`` recipients get the message without a header naming them.
    """
    settings = settings or SmtpSettings.from_config(_current_config())
    recipients = addresses(to)
    if not recipients:
        raise ValueError("send_email needs at least one recipient in `to`")
    message = build_message(
        mail_from=from_email or settings.mail_from,
        to=recipients,
        subject=subject,
        html_content=html_content,
        files=files or (),
        cc=addresses(cc),
        mime_subtype=mime_subtype,
        mime_charset=mime_charset,
        custom_headers=custom_headers or {},
    )
    everyone = recipients + addresses(cc) + addresses(bcc)
    if not dryrun:
        _send(settings, message["From"], everyone, message.as_string())


def addresses(value: str | Iterable[str] | None) -> list[str]:
    """Airflow's address lists: a list, or one string separated by commas or semicolons."""
    if not value:
        return []
    items = [value] if isinstance(value, str) else list(value)
    found: list[str] = []
    for item in items:
        found.extend(part.strip() for part in item.replace(";", ",").split(","))
    return [address for address in found if address]


def build_message(
    *,
    mail_from: str,
    to: list[str],
    subject: str,
    html_content: str,
    files: Iterable[str],
    cc: list[str],
    mime_subtype: str,
    mime_charset: str,
    custom_headers: Mapping[str, Any],
) -> MIMEMultipart:
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.utils import formatdate

    message = MIMEMultipart(mime_subtype)
    message["Subject"] = subject
    message["From"] = mail_from
    message["To"] = ", ".join(to)
    if cc:
        message["CC"] = ", ".join(cc)
    message["Date"] = formatdate(localtime=True)
    for name, value in custom_headers.items():
        message[name] = str(value)
    message.attach(MIMEText(html_content, "html", mime_charset))
    for path in files:
        name = os.path.basename(path)
        with open(path, "rb") as handle:
            part = MIMEApplication(handle.read(), Name=name)
        part["Content-Disposition"] = f'attachment; filename="{name}"'
        message.attach(part)
    return message


def _send(settings: SmtpSettings, mail_from: str, recipients: list[str], text: str) -> None:
    """Connect, log in if configured, send. A server that drops the connection while it is
    being opened is tried again, up to ``smtp_retry_limit`` times (as Airflow does); one
    that refuses it fails at once."""
    import smtplib

    for attempt in range(1, settings.retry_limit + 1):
        try:
            server = _connect(settings)
        except smtplib.SMTPServerDisconnected as exc:
            if attempt == settings.retry_limit:
                raise
            log.warning(
                "SMTP server %s:%s disconnected (%s); trying again",
                settings.host,
                settings.port,
                exc,
            )
            continue
        with server:
            if settings.starttls and not settings.ssl:
                server.starttls()  # a server without STARTTLS is an error, not plain text
            if settings.user:
                server.login(settings.user, settings.password)
            server.sendmail(mail_from, recipients, text)
        log.info("Sent an email to %s", ", ".join(recipients))
        return


def _connect(settings: SmtpSettings) -> Any:
    import smtplib

    kind = smtplib.SMTP_SSL if settings.ssl else smtplib.SMTP
    server = kind(host=settings.host, port=settings.port, timeout=settings.timeout)
    server.ehlo_or_helo_if_needed()
    return server
