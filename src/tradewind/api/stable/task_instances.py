"""Placeholder: routes arrive in the next commits."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["TaskInstance"])
