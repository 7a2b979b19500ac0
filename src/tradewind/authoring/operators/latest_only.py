"""LatestOnlyOperator: let the tasks below run only in the newest scheduled run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tradewind.authoring.operators.branch import BaseBranchOperator, BranchChoice
from tradewind.authoring.schedules.base import DataInterval
from tradewind.authoring.skipping import log
from tradewind.authoring.timezone import coerce_utc, utcnow


class LatestOnlyOperator(BaseBranchOperator):
    """Skips its direct downstream tasks unless this run is the latest one.

    A run is the latest when now lies within the data interval of the run that follows it
    (the scheduler has not yet created a newer run). Runs triggered by hand, and a run after
    which the schedule has no more, always go on. Catching up on old intervals thus does
    the work below this task only once, for the newest interval.
    """

    ui_color = "#e9ffdb"

    def choose_branch(self, context: Mapping[str, Any]) -> BranchChoice:
        everything = sorted(self.downstream_task_ids)
        if _triggered_by_hand(context["dag_run"]):
            log.info("Externally triggered DAG run: allowing execution to proceed.")
            return everything
        following = _next_interval(context)
        if following is None:
            log.info("Last scheduled execution: allowing execution to proceed.")
            return everything
        now = utcnow()
        log.info(
            "Checking latest only with left_window: %s right_window: %s now: %s",
            following.start,
            following.end,
            now,
        )
        if following.start < now <= following.end:
            log.info("Latest, allowing execution to proceed.")
            return everything
        log.info("Not latest execution, skipping downstream.")
        return []


def _triggered_by_hand(dag_run: Any) -> bool:
    external = getattr(dag_run, "external_trigger", None)
    if external is not None:
        return bool(external)
    return getattr(dag_run, "run_type", None) == "manual"


def _next_interval(context: Mapping[str, Any]) -> DataInterval | None:
    """The data interval of the scheduled run after this one, whatever the DAG's start,
    end and catchup settings; ``None`` if the schedule has no next run."""
    start: datetime = coerce_utc(context["data_interval_start"])
    end: datetime = coerce_utc(context["data_interval_end"])
    info = context["dag"].timetable.next_run_info(
        last_automated_data_interval=DataInterval(start, end),
        start_date=None,
        end_date=None,
        catchup=True,
        now=utcnow(),
    )
    return None if info is None else info.data_interval
