"""Triggers that deferred task instances wait on, and which triggerer runs each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import Base
from tradewind.db.types import UtcDateTime


class Trigger(Base):
    """One serialized trigger: ``classpath(**kwargs)`` rebuilds it in the triggerer.

    ``triggerer_id`` is the ``job`` row of the triggerer running it; NULL (or a triggerer
    whose heartbeat stopped) means any triggerer with spare capacity may claim it.
    """

    __tablename__ = "trigger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    classpath: Mapped[str] = mapped_column(String(1000))
    # JSON text (tradewind.authoring.triggers.serde): datetimes and timedeltas are tagged.
    kwargs: Mapped[str] = mapped_column(Text)
    created_date: Mapped[datetime] = mapped_column(UtcDateTime)
    triggerer_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index(None, "triggerer_id"),)
