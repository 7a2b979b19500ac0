"""A triggerer's ``job`` row: its heartbeat tells the others it still runs its triggers."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tradewind.db.models import Job
from tradewind.states import JobState

JOB_TYPE = "TriggererJob"


def register(session: Session, now: datetime) -> int:
    """A new running TriggererJob; its id."""
    job = Job(
        job_type=JOB_TYPE,
        state=JobState.RUNNING,
        hostname=socket.getfqdn(),
        pid=os.getpid(),
        start_date=now,
        latest_heartbeat=now,
    )
    session.add(job)
    session.flush()
    return job.id


def heartbeat(session: Session, job_id: int, now: datetime) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(latest_heartbeat=now))


def finish(session: Session, job_id: int, now: datetime) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(state=JobState.SUCCESS, end_date=now, latest_heartbeat=now)
    )


def alive_ids(session: Session, now: datetime, threshold_seconds: float) -> list[int]:
    """Triggerers that heartbeated within ``threshold_seconds``: their triggers stay theirs."""
    since = now - timedelta(seconds=threshold_seconds)
    return list(
        session.scalars(
            select(Job.id).where(
                Job.job_type == JOB_TYPE,
                Job.state == JobState.RUNNING,
                Job.latest_heartbeat >= since,
            )
        )
    )
