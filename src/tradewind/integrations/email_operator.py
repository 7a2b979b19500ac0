"""EmailOperator: send an email through ``[smtp]`` as a task (Airflow's, same arguments)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.authoring.unimplemented import UnimplementedArgumentWarning
from tradewind.integrations.smtp import send_email


class EmailOperator(BaseOperator):
    """Sends ``subject`` and ``html_content`` (both templated) to ``to``."""

    template_fields: Sequence[str] = ("to", "subject", "html_content", "files")
    template_ext: Sequence[str] = (".html",)
    ui_color = "#e6faf9"

    def __init__(
        self,
        *,
        to: str | Iterable[str],
        subject: str,
        html_content: str,
        files: list[str] | None = None,
        cc: str | Iterable[str] | None = None,
        bcc: str | Iterable[str] | None = None,
        mime_subtype: str = "mixed",
        mime_charset: str = "utf-8",
        conn_id: str | None = None,
        custom_headers: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.to = to
        self.subject = subject
        self.html_content = html_content
        self.files = files or []
        self.cc = cc
        self.bcc = bcc
        self.mime_subtype = mime_subtype
        self.mime_charset = mime_charset
        self.conn_id = conn_id
        if conn_id is not None:
            warnings.warn(
                f"EmailOperator {self.task_id!r} sets conn_id={conn_id!r}, but Tradewind sends "
                "through the [smtp] settings, not a connection: set smtp_host and the other "
                "[smtp] keys instead",
                UnimplementedArgumentWarning,
                stacklevel=2,
            )
        self.custom_headers = dict(custom_headers or {})

    def execute(self, context: Mapping[str, Any]) -> None:
        send_email(
            self.to,
            self.subject,
            self.html_content,
            files=self.files,
            cc=self.cc,
            bcc=self.bcc,
            mime_subtype=self.mime_subtype,
            mime_charset=self.mime_charset,
            custom_headers=self.custom_headers,
        )
