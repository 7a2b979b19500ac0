"""The states of jobs, dag runs and task instances, and the kinds of run.

String enums: each member *is* the string the database stores and the API sends
(``TaskInstanceState.SUCCESS == "success"``), so rows read back as plain strings compare
equal to the members and the wire format does not depend on the enum. Kept apart from the
database models so that code which must not import SQLAlchemy (a try's own process) can
name them.
"""

from __future__ import annotations

from enum import StrEnum, nonmember


class JobState(StrEnum):
    """A scheduler's (or backfill's) row in ``job``: alive while it heartbeats."""

    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


class DagRunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"

    FINISHED = nonmember(frozenset({SUCCESS, FAILED}))


class RunType(StrEnum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    BACKFILL = "backfill"
    DATASET_TRIGGERED = "dataset_triggered"


class TaskInstanceState(StrEnum):
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
    #: A sensor in ``mode="reschedule"`` between pokes: it holds no slot and the scheduler
    #: makes it schedulable again at its reschedule date (kept in ``next_retry_at``).
    UP_FOR_RESCHEDULE = "up_for_reschedule"

    FINISHED = nonmember(frozenset({SUCCESS, FAILED, UPSTREAM_FAILED, SKIPPED, REMOVED}))
