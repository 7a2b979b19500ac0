"""Health of the installation: is the metadata database reachable, is a scheduler (and a
triggerer) alive."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from tradewind.authoring.timezone import utcnow
from tradewind.db.models import Job
from tradewind.states import JobState

if TYPE_CHECKING:
    from tradewind.db.engine import Database

HEALTHY = "healthy"
UNHEALTHY = "unhealthy"


def check_health(db: Database, threshold_seconds: float) -> tuple[bool, dict[str, Any]]:
    """(all healthy?, Airflow's ``/health`` body).

    The scheduler counts as healthy when a running SchedulerJob heartbeated within
    ``[scheduler] scheduler_health_check_threshold`` seconds.
    """
    try:
        with db.read_session() as session:
            latest = session.scalar(
                select(Job.latest_heartbeat)
                .where(Job.job_type == "SchedulerJob", Job.state == JobState.RUNNING)
                .order_by(Job.latest_heartbeat.desc())
                .limit(1)
            )
    except Exception as exc:
        return False, {
            "metadatabase": {"status": UNHEALTHY, "error": type(exc).__name__},
            "scheduler": {"status": UNHEALTHY, "latest_scheduler_heartbeat": None},
        }
    recent = latest is not None and utcnow() - latest <= timedelta(seconds=threshold_seconds)
    return recent, {
        "metadatabase": {"status": HEALTHY},
        "scheduler": {
            "status": HEALTHY if recent else UNHEALTHY,
            "latest_scheduler_heartbeat": latest.isoformat() if latest else None,
        },
    }


def check_triggerer(db: Database, threshold_seconds: float) -> dict[str, Any]:
    """The ``triggerer`` part of ``/health``, as Airflow's: ``status`` is ``None`` when no
    triggerer ever ran (it is optional), else healthy if one heartbeated within
    ``[triggerer] triggerer_health_check_threshold`` seconds."""
    try:
        with db.read_session() as session:
            latest = session.scalar(
                select(func.max(Job.latest_heartbeat)).where(Job.job_type == "TriggererJob")
            )
            alive = session.scalar(
                select(func.max(Job.latest_heartbeat)).where(
                    Job.job_type == "TriggererJob", Job.state == JobState.RUNNING
                )
            )
    except Exception:
        return {"status": UNHEALTHY, "latest_triggerer_heartbeat": None}
    if latest is None:
        return {"status": None, "latest_triggerer_heartbeat": None}
    recent = alive is not None and utcnow() - alive <= timedelta(seconds=threshold_seconds)
    return {
        "status": HEALTHY if recent else UNHEALTHY,
        "latest_triggerer_heartbeat": latest.isoformat(),
    }


def check_dag_processor() -> dict[str, Any]:
    """The ``dag_processor`` part of Airflow's ``/api/v1/health``. DAG files are parsed by
    the scheduler here (Airflow's default, with no standalone DAG processor), so there is
    no processor of its own to report: Airflow then says ``null`` too."""
    return {"status": None, "latest_dag_processor_heartbeat": None}


def check_celery_broker(broker_url: str, timeout: float) -> tuple[bool, dict[str, Any]]:
    """(reachable?, the ``celery_broker`` part of ``/health``), for the CeleryExecutor."""
    try:
        from kombu import Connection

        with Connection(broker_url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:
        return False, {"status": UNHEALTHY, "error": type(exc).__name__}
    return True, {"status": HEALTHY}
