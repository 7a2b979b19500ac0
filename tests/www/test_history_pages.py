"""The audit log page pages through a DAG's own entries; the Gantt chart gives a mapped
task's instances a row each while they are few, one shared row when many (issue 17)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from tradewind.db.engine import Database
from tradewind.operations import dags
from tradewind.www import gantt
from tradewind.www.views.durations import MAX_INSTANCE_ROWS, gantt_rows


def test_the_audit_log_is_the_dags_own_newest_first_fifty_a_page(
    client: TestClient, ui_database: Database
) -> None:
    for number in range(60):
        dags.set_paused(ui_database, "ui_sample", number % 2 == 0, actor=f"user{number}")
    dags.set_paused(ui_database, "ui_other", True, actor="someone-else")

    first = client.get("/dags/ui_sample/audit_log").text
    owners = re.findall(r"<td>(user\d+)</td>", first)
    assert owners == [f"user{n}" for n in range(59, 9, -1)]  # newest first, 50 of them
    assert "Page 1 of 2" in first and "61 entries" not in first
    assert "someone-else" not in first
    second = client.get("/dags/ui_sample/audit_log?page=2").text
    assert re.findall(r"<td>(user\d+)</td>", second) == [f"user{n}" for n in range(9, -1, -1)]
    assert client.get("/dags/ui_sample/audit_log?page=x").status_code == 400
    assert client.get("/dags/nope/audit_log").status_code == 404


def _pieces(task_id: str, instances: int) -> list[gantt.Piece]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        gantt.Piece(task_id, index, 1, "success", start, start + timedelta(seconds=1),
                    start + timedelta(seconds=2 + index))
        for index in range(instances)
    ]  # fmt: skip


def test_few_mapped_instances_get_a_row_each_many_share_one() -> None:
    few = gantt_rows(["m"], {"m": "m"}, _pieces("m", MAX_INSTANCE_ROWS))
    assert [row.label for row in few] == [f"m [{i}]" for i in range(MAX_INSTANCE_ROWS)]
    many = gantt_rows(["m", "gone"], {"m": "m"}, _pieces("m", 40))
    assert [(row.label, row.map_index, len(row.pieces)) for row in many] == [
        ("m [40 instances]", None, 40),
        ("gone", -1, 0),
    ]
    drawn = gantt.layout(many, datetime(2024, 1, 2, tzinfo=UTC))
    assert len([bar for bar in drawn.bars if bar.kind == "run"]) == 40
    offset = (gantt.ROW_HEIGHT - gantt.BAR_HEIGHT) // 2
    assert {bar.y for bar in drawn.bars} == {drawn.rows[0].y + offset}  # all on one row
    # The longest instance ends at the right edge of the time axis.
    assert (
        max(bar.x + bar.width for bar in drawn.bars)
        == gantt.LABEL_WIDTH + gantt.MARGIN + gantt.CHART_WIDTH
    )


def test_the_gantt_adds_the_try_in_progress_to_the_recorded_ones(
    client: TestClient, ui_database: Database
) -> None:
    """Try 1 ended (recorded in the history), try 2 is running: two bars, the second open;
    a task queued for its first try shows only its wait."""
    from tradewind.db.models import TaskInstance
    from tradewind.execution.try_history import TryPiece, record_try_piece
    from tradewind.operations import dag_runs

    run = dag_runs.trigger_dag(ui_database, "ui_sample", actor="test")
    start = datetime.now(UTC) - timedelta(seconds=30)
    with ui_database.session() as session:
        key = ("ui_sample", run.run_id, "extract", -1)
        first = TryPiece(1, start, start + timedelta(seconds=1), "localhost", None)
        record_try_piece(session, key, first, "up_for_retry", start + timedelta(seconds=5))
        extract = session.get(TaskInstance, key)
        transform = session.get(TaskInstance, ("ui_sample", run.run_id, "transform", -1))
        assert extract is not None and transform is not None
        extract.state, extract.try_number = "running", 2
        extract.queued_dttm = start + timedelta(seconds=9)
        extract.start_date = start + timedelta(seconds=10)
        transform.state, transform.queued_dttm = "queued", start + timedelta(seconds=20)
    page = client.get(f"{dag_runs.dag_run_url('ui_sample', run.run_id)}/gantt").text
    bars = re.findall(
        r'/tasks/(\w+)\?try_number=(\d)">\s*<rect class="bar (\w+) state-(\w+)"[^>]*>'
        r"<title>([^<]*)</title>",
        page,
    )
    assert [(task, number, kind, state) for task, number, kind, state, _ in bars] == [
        ("extract", "1", "queued", "queued"),
        ("extract", "1", "run", "up_for_retry"),
        ("extract", "2", "queued", "queued"),
        ("extract", "2", "run", "running"),
        ("transform", "1", "queued", "queued"),
    ]
    assert "ran 4.0s" in bars[1][4] and "so far" in bars[3][4]
    assert "retried: extract" in page
    assert 'data-refresh="2000"' in page  # the run goes on: the page refreshes itself
