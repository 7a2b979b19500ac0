"""Signed-cookie sessions for the web UI, with nothing stored on the server.

The cookie holds JSON plus an HMAC-SHA256 of it keyed by ``[webserver] secret_key``, so a
client can read its session but not forge one. Only the UI's routes load and save it: the
experimental API never sees this cookie and keeps its own ``[api] auth_backend``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

COOKIE_NAME = "tradewind_session"
MAX_AGE_SECONDS = 7 * 24 * 3600


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_secret_key(configured: str, home: Path) -> str:
    """``[webserver] secret_key``, or one generated once into the home folder.

    Every webserver worker must sign with the same key, or a form served by one worker
    fails its CSRF check on another; a random key per process would do exactly that.
    """
    if configured:
        return configured
    path = home / "webserver_secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker is writing it right now
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            time.sleep(0.02)
        raise
    key = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


class SessionSigner:
    """Turns a session dict into a cookie value and back, rejecting tampered or old ones."""

    def __init__(self, secret_key: str, *, max_age: int = MAX_AGE_SECONDS) -> None:
        # An empty key would make every signature guessable: never sign with one.
        key = secret_key or secrets.token_urlsafe(32)
        self._key = hashlib.sha256(b"tradewind.www.session:" + key.encode()).digest()
        self._max_age = max_age

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()
        return _b64encode(digest)

    def dumps(self, data: dict[str, Any]) -> str:
        body = json.dumps({"t": int(time.time()), "d": data}, separators=(",", ":"))
        payload = _b64encode(body.encode())
        return f"{payload}.{self._sign(payload)}"

    def loads(self, cookie: str | None) -> dict[str, Any]:
        """The session in ``cookie``; an empty one when missing, forged, broken or expired."""
        if not cookie or "." not in cookie:
            return {}
        payload, signature = cookie.rsplit(".", 1)
        try:
            if not hmac.compare_digest(signature, self._sign(payload)):
                return {}
            body = json.loads(_b64decode(payload))
        except (ValueError, UnicodeError, binascii.Error):
            return {}
        if not isinstance(body, dict) or not isinstance(body.get("d"), dict):
            return {}
        if time.time() - float(body.get("t", 0)) > self._max_age:
            return {}
        return body["d"]
