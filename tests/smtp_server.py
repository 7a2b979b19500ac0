"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    message: Message


@dataclass
class Inbox:
    port: int
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Received(
                envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)
            )
        )
        return "250 Message accepted for delivery"

    @property
    def env(self) -> dict[str, str]:
        """Settings pointing ``[smtp]`` at this server."""
        return {
            "TRADEWIND__SMTP__SMTP_HOST": "127.0.0.1",
            "TRADEWIND__SMTP__SMTP_PORT": str(self.port),
            "TRADEWIND__SMTP__SMTP_STARTTLS": "False",
            "TRADEWIND__SMTP__SMTP_MAIL_FROM": "tradewind@test.example",
            "TRADEWIND__SMTP__SMTP_RETRY_LIMIT": "1",
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
