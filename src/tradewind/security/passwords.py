"""Password hashing: bcrypt only, for every login Tradewind checks (API, web UI, CLI).

Why the rules below:

* Passwords are NFC-normalised before hashing and checking, so the same word typed on a
  system that composes accents differently (macOS input is often NFD) still matches.
* bcrypt only reads 72 bytes and cannot take a NUL byte; instead of silently ignoring the
  rest, such passwords are refused when set and never match when checked.
* :func:`verify_password` never raises, and :func:`dummy_hash` is a real hash of the same
  cost, so checking an unknown user costs as much time as checking a wrong password.
"""

from __future__ import annotations

import functools
import secrets
import unicodedata

import bcrypt

from tradewind.exceptions import BadRequest

BCRYPT_ROUNDS = 12
MAX_PASSWORD_BYTES = 72


def _encode(password: str) -> bytes:
    return unicodedata.normalize("NFC", password).encode("utf-8")


def check_password_rules(password: str) -> None:
    """Raise BadRequest if bcrypt cannot store this password faithfully."""
    encoded = _encode(password)
    if not encoded:
        raise BadRequest("The password must not be empty.")
    if b"\x00" in encoded:
        raise BadRequest("The password must not contain a NUL character.")
    if len(encoded) > MAX_PASSWORD_BYTES:
        raise BadRequest(
            f"The password is {len(encoded)} bytes long in UTF-8; bcrypt uses at most "
            f"{MAX_PASSWORD_BYTES}, so choose a shorter one."
        )


def hash_password(password: str, rounds: int = BCRYPT_ROUNDS) -> str:
    """A bcrypt hash (``$2b$...``) to store in ``users.password_hash``."""
    check_password_rules(password)
    return bcrypt.hashpw(_encode(password), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """True if ``password`` matches; False for a wrong password or an unusable hash.

    A password bcrypt cannot take still costs one hash computation before failing,
    so its timing looks like any other wrong password.
    """
    encoded = _encode(password)
    usable = 0 < len(encoded) <= MAX_PASSWORD_BYTES and b"\x00" not in encoded
    candidate = encoded if usable else encoded.replace(b"\x00", b"")[:MAX_PASSWORD_BYTES]
    try:
        matches = bcrypt.checkpw(candidate or b"-", password_hash.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return matches and usable


@functools.cache
def dummy_hash() -> str:
    """A hash of a random secret nobody knows, at the same cost as real ones.

    Unknown users are checked against it, so they take as long as a known user with a
    wrong password. Made on first use (it costs one bcrypt), not at import.
    """
    return bcrypt.hashpw(
        secrets.token_bytes(32).hex().encode(), bcrypt.gensalt(BCRYPT_ROUNDS)
    ).decode("ascii")
