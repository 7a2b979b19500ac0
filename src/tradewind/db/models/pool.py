"""Pools: named limits on how many task slots run at once."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tradewind.db.models.base import Base

DEFAULT_POOL_NAME = "default_pool"
DEFAULT_POOL_SLOTS = 128
POOL_NAME_MAX_LENGTH = 256


class Pool(Base):
    __tablename__ = "slot_pool"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pool: Mapped[str] = mapped_column(String(POOL_NAME_MAX_LENGTH), unique=True)
    # -1 means unlimited.
    slots: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    include_deferred: Mapped[bool] = mapped_column(Boolean, default=False)
