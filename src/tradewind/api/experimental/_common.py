"""What every handler needs: the database of this app and a way to call blocking work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from tradewind.config import Config
from tradewind.db.engine import Database

T = TypeVar("T")


def database(request: Request) -> Database:
    return request.app.state.database


def config(request: Request) -> Config:
    return request.app.state.config


async def blocking(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run database work on the thread pool so the event loop keeps serving."""
    return await run_in_threadpool(func, *args, **kwargs)


async def quick_read(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a short, index-backed read right on the event loop.

    Handing a sub-millisecond read to a thread costs more than the read: two GIL hand-offs
    per request, which under load become milliseconds of p99. Reads never wait for locks
    (WAL on SQLite, MVCC on PostgreSQL), so they cannot stall the loop; writes, log files
    and aggregates over all runs still go to the thread pool (:func:`blocking`).
    """
    return func(*args, **kwargs)
