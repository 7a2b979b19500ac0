"""States are enums in the code but the same plain strings in the database and on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tradewind.db.engine import Database
from tradewind.db.models import DagRun, Job
from tradewind.exceptions import BadRequest
from tradewind.operations.dag_runs import parse_state
from tradewind.states import DagRunState, JobState, RunType, TaskInstanceState

# What the metadata database stores and the API sends: changing one breaks existing
# databases and clients, so the enums must keep exactly these values.
STORED_VALUES = {
    JobState: ["running", "success", "failed"],
    DagRunState: ["queued", "running", "success", "failed"],
    RunType: ["manual", "scheduled", "backfill", "dataset_triggered"],
    TaskInstanceState: [
        "scheduled",
        "queued",
        "running",
        "success",
        "failed",
        "up_for_retry",
        "upstream_failed",
        "skipped",
        "removed",
        "up_for_reschedule",
    ],
}


@pytest.mark.parametrize("enum", list(STORED_VALUES), ids=lambda enum: enum.__name__)
def test_each_state_keeps_the_string_the_database_and_api_use(enum: type) -> None:
    assert [member.value for member in enum] == STORED_VALUES[enum]
    assert json.dumps(list(enum)) == json.dumps(STORED_VALUES[enum])
    assert [f"{member}" for member in enum] == STORED_VALUES[enum]


def test_members_are_stored_as_plain_strings_and_compare_equal_when_read_back(
    database: Database,
) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with database.session() as session:
        session.add(
            Job(
                job_type="SchedulerJob",
                state=JobState.RUNNING,
                start_date=now,
                latest_heartbeat=now,
            )
        )
        session.add(
            DagRun(
                dag_id="d",
                run_id="r",
                execution_date=now,
                state=DagRunState.QUEUED,
                run_type=RunType.BACKFILL,
                queued_at=now,
            )
        )
    with database.read_session() as session:
        job_state = session.scalar(text("SELECT state FROM job"))
        run_state, run_type = session.execute(text("SELECT state, run_type FROM dag_run")).one()
    assert (job_state, run_state, run_type) == ("running", "queued", "backfill")
    assert job_state == JobState.RUNNING and run_state == DagRunState.QUEUED


def test_a_dag_run_state_filter_is_read_case_insensitively() -> None:
    assert parse_state(" Running ") is DagRunState.RUNNING
    assert parse_state("") is None


def test_an_unknown_dag_run_state_names_the_valid_ones() -> None:
    with pytest.raises(BadRequest) as raised:
        parse_state("done")
    assert str(raised.value) == (
        "Invalid dag run state 'done'; use one of queued, running, success, failed"
    )
