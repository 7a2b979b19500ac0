"""Encryption at rest for variable values and connection secrets (``[core] fernet_key``).

Airflow's scheme: the key is a comma-separated list of Fernet keys; the first encrypts,
every one may decrypt (so a rotated-out key still reads old rows until
``rotate-fernet-key`` rewrites them). An empty key stores values as plaintext, marked as
such in their row, as Airflow does without a key.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from tradewind.exceptions import ConfigError, TradewindException


class FernetDecryptError(TradewindException):
    """A stored value cannot be decrypted with any key of ``[core] fernet_key``."""


class FernetCodec:
    """Encrypts with the first key of ``[core] fernet_key``; decrypts with any of them."""

    def __init__(self, fernet_key: str) -> None:
        keys = [part.strip() for part in fernet_key.split(",") if part.strip()]
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys]) if keys else None
        except ValueError as exc:
            raise ConfigError(
                f"[core] fernet_key is not a list of Fernet keys ({exc}); make one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`."
            ) from None

    @property
    def encrypts(self) -> bool:
        """False when no key is configured: values are stored as they are."""
        return self._fernet is not None

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
        try:
            return self._fernet.rotate(stored.encode()).decode(), True
        except InvalidToken:
            raise FernetDecryptError(
                "a stored value cannot be decrypted with any key of [core] fernet_key"
            ) from None


def generate_fernet_key() -> str:
    return Fernet.generate_key().decode()
