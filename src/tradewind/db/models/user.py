"""Accounts shared by the API's password backend and the web UI's login."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import Base
from tradewind.db.types import UtcDateTime


def new_session_nonce() -> str:
    """A fresh random value for ``User.session_nonce``: every older UI session stops working."""
    return secrets.token_urlsafe(16)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(256), unique=True)
    # Only a slow hash (bcrypt) is ever stored.
    password_hash: Mapped[str] = mapped_column(String(256))
    email: Mapped[str] = mapped_column(String(512), default="")
    role: Mapped[str] = mapped_column(String(64), default="Admin")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The session generation: a UI session cookie names it and is honoured only while it is
    # unchanged. Random rather than a counter, so an account deleted and re-created under
    # the same name (SQLite may even reuse its id) does not accept the old account's cookies.
    session_nonce: Mapped[str] = mapped_column(String(64), default=new_session_nonce)
