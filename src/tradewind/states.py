"""The states of dag runs and task instances, and the kinds of run: plain strings.

Kept apart from the database models so that code which must not import SQLAlchemy (a try's
own process) can name them.
"""

from __future__ import annotations


class DagRunState:
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"

    FINISHED = frozenset({SUCCESS, FAILED})
    ALL = (QUEUED, RUNNING, SUCCESS, FAILED)


class RunType:
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    BACKFILL = "backfill"


class TaskInstanceState:
    # ``None`` (no state yet) is stored as NULL.
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"
    UPSTREAM_FAILED = "upstream_failed"
    SKIPPED = "skipped"
    REMOVED = "removed"

    FINISHED = frozenset({SUCCESS, FAILED, UPSTREAM_FAILED, SKIPPED, REMOVED})
    ALL = (
        SCHEDULED,
        QUEUED,
        RUNNING,
        SUCCESS,
        FAILED,
        UP_FOR_RETRY,
        UPSTREAM_FAILED,
        SKIPPED,
        REMOVED,
    )
