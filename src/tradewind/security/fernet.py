"""Encryption at rest for variable values and connection secrets (``[core] fernet_key``).

Airflow's scheme: the key is a comma-separated list of Fernet keys; the first encrypts,
every one may decrypt (so a rotated-out key still reads old rows until
``rotate-fernet-key`` rewrites them). An empty key stores values as plaintext, marked as
such in their row, as Airflow does without a key.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from tradewind.exceptions import ConfigError, TradewindException

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet


class FernetDecryptError(TradewindException):
    """A stored value cannot be decrypted with any key of ``[core] fernet_key``."""


class FernetCodec:
    """Encrypts with the first key of ``[core] fernet_key``; decrypts with any of them."""

    def __init__(self, fernet_key: str) -> None:
        self._keys = [part.strip() for part in fernet_key.split(",") if part.strip()]
        try:
            for key in self._keys:
                _check_key(key)
        except ValueError as exc:
            raise ConfigError(
                f"[core] fernet_key is not a list of Fernet keys ({exc}); make one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`."
            ) from None
        self._built: MultiFernet | None = None

    @property
    def _fernet(self) -> MultiFernet | None:
        """Built on first use: ``cryptography`` costs every process that imports it about
        6 MiB, and the long-lived ones (scheduler, webserver) seldom need it."""
        if self._built is None and self._keys:
            from cryptography.fernet import Fernet, MultiFernet

            self._built = MultiFernet([Fernet(key.encode()) for key in self._keys])
        return self._built

    @property
    def encrypts(self) -> bool:
        """False when no key is configured: values are stored as they are."""
        return bool(self._keys)

    def encrypt(self, value: str) -> tuple[str, bool]:
        """The stored text and whether it is encrypted."""
        if self._fernet is None:
            return value, False
        return self._fernet.encrypt(value.encode()).decode(), True

    def decrypt(self, stored: str, is_encrypted: bool) -> str:
        if not is_encrypted:
            return stored
        if self._fernet is None:
            raise FernetDecryptError(
                "a stored value is encrypted but [core] fernet_key is empty: set the key "
                "it was written with"
            )
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise FernetDecryptError(
                "a stored value cannot be decrypted with [core] fernet_key: was the key "
                "changed without keeping the old one after a comma?"
            ) from None

    def rotate(self, stored: str, is_encrypted: bool) -> tuple[str, bool]:
        """Re-encrypt with the first key (a plaintext value gets encrypted when a key is set)."""
        if self._fernet is None:
            return stored, is_encrypted
        if not is_encrypted:
            return self.encrypt(stored)
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.rotate(stored.encode()).decode(), True
        except InvalidToken:
            raise FernetDecryptError(
                "a stored value cannot be decrypted with any key of [core] fernet_key"
            ) from None


def generate_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _check_key(key: str) -> None:
    """What ``Fernet(key)`` checks, without importing ``cryptography``."""
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("Fernet key must be 32 url-safe base64-encoded bytes.")
