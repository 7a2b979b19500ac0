"""Secrets a try has read, replaced by ``***`` in what it writes to its log.

A connection's password and the value of a variable whose key looks sensitive (Airflow's
list: ``password``, ``secret``, ``token``, ``api_key``...) are registered here when a task
reads them; the try's output streams and log handler pass every line through
:func:`redact`. Process-wide on purpose: a try is its own process.
"""

from __future__ import annotations

import logging
import re

SENSITIVE_KEY_PARTS = (
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "token",
    "keyfile_dict",
    "service_account",
)
MASK = "***"
_MIN_LENGTH = 3  # masking "a" or "" would garble every line

_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def is_sensitive_key(name: str) -> bool:
    """Whether a variable key or an extra's field name says it holds a secret."""
    lowered = name.lower()
    return any(part in lowered for part in SENSITIVE_KEY_PARTS)


def mask_secret(value: object) -> None:
    """From now on, write ``***`` wherever ``value`` (or its lines) appears in the log."""
    global _pattern
    if not isinstance(value, str):
        return
    added = False
    for part in {value, *value.splitlines()}:
        part = part.strip()
        if len(part) >= _MIN_LENGTH and part not in _secrets:
            _secrets.add(part)
            added = True
    if added:
        ordered = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leak
        _pattern = re.compile("|".join(re.escape(secret) for secret in ordered))


def redact(text: str) -> str:
    if _pattern is None or not text:
        return text
    return _pattern.sub(MASK, text)


def forget_secrets() -> None:
    """For a process that starts a new try (and tests)."""
    global _pattern
    _secrets.clear()
    _pattern = None


class RedactingFilter(logging.Filter):
    """Puts ``***`` for known secrets into a log record's message (a try's log handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern is not None:
            message = record.getMessage()
            redacted = redact(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


def masked_by_name(name: str, value: object) -> object:
    """``value`` with ``***`` for itself if ``name`` says it holds a secret, and for each
    dict entry (at any depth) whose key does: what a page may show of an XCom or a
    rendered field without knowing which secrets the try read."""
    if value is not None and value != "" and is_sensitive_key(name):
        return MASK
    if isinstance(value, dict):
        return {key: masked_by_name(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked_by_name("", item) for item in value]
    return value
