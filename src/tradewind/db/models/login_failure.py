"""Failed logins, counted in the database so every webserver worker sees the same count."""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import Base


class LoginFailure(Base):
    """Failures of one key (``user:<name>`` or ``address:<ip>``) in its current window."""

    __tablename__ = "login_failure"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    # Seconds since the epoch: the window's arithmetic stays plain SQL on both databases.
    window_start: Mapped[float] = mapped_column(Float, index=True)
