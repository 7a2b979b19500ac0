"""The operations the API, the local client and the UI share, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tradewind.db.engine import Database
from tradewind.db.models import AuditLog, DagRun, TaskInstance
from tradewind.exceptions import BadRequest, DagNotFound, DagRunAlreadyExists, PoolNotFound
from tradewind.operations import dag_runs, dags, lineage, pools, task_instances


def test_trigger_creates_a_queued_run_with_task_instances(demo_db: Database) -> None:
    run = dag_runs.trigger_dag(
        demo_db, "demo", run_id="r1", conf='{"a": 1}', execution_date="2024-03-01", actor="ann"
    )
    assert (run.state, run.run_type, run.conf, run.triggered_by) == (
        "queued", "manual", {"a": 1}, "ann"
    )  # fmt: skip
    # @daily: a manual run at T covers the day before T.
    assert run.data_interval_end.isoformat() == "2024-03-01T00:00:00+00:00"
    with demo_db.read_session() as session:
        tis = session.execute(
            select(TaskInstance.task_id, TaskInstance.max_tries, TaskInstance.state).where(
                TaskInstance.run_id == "r1"
            )
        ).all()
        audit = session.scalar(select(AuditLog.owner).where(AuditLog.event == "trigger"))
    assert sorted(tis) == [("extract", 0, None), ("load", 3, None)]
    assert audit == "ann"


def test_duplicate_trigger_changes_nothing(demo_db: Database) -> None:
    dag_runs.trigger_dag(demo_db, "demo", run_id="r1", execution_date="2024-03-01", actor="a")
    with pytest.raises(DagRunAlreadyExists, match="at 2024-03-01T00:00:00\\+00:00 with run id r1"):
        dag_runs.trigger_dag(demo_db, "demo", run_id="r2", execution_date="2024-03-01", actor="a")
    with demo_db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(DagRun)) == 1
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_unknown_dag(demo_db: Database) -> None:
    for call in (
        lambda: dag_runs.trigger_dag(demo_db, "nope", actor="a"),
        lambda: dag_runs.list_dag_runs(demo_db, "nope"),
        lambda: dags.set_paused(demo_db, "nope", True, actor="a"),
        lambda: dags.delete_dag(demo_db, "nope", actor="a"),
        lambda: task_instances.get_task(demo_db, "nope", "x"),
        lambda: lineage.get_lineage(demo_db, "nope", "2024-01-01"),
    ):
        with pytest.raises(DagNotFound, match="Dag id nope not found"):
            call()


def test_list_runs_paging_and_pause(demo_db: Database) -> None:
    for day in range(1, 6):
        dag_runs.trigger_dag(demo_db, "demo", execution_date=f"2024-01-0{day}", actor="a")
    page = dag_runs.list_dag_runs(demo_db, "demo", limit=2, offset=1)
    assert [run["execution_date"][:10] for run in page] == ["2024-01-02", "2024-01-03"]
    assert len(dag_runs.list_dag_runs(demo_db, "demo")) == 5
    with pytest.raises(BadRequest):
        dag_runs.list_dag_runs(demo_db, "demo", limit=-1)
    dags.set_paused(demo_db, "demo", True, actor="a")
    assert dags.is_paused(demo_db, "demo") is True


def test_delete_dag_counts_what_it_removed(demo_db: Database) -> None:
    dag_runs.trigger_dag(demo_db, "demo", execution_date="2024-01-01", actor="a")
    # run + 2 task instances + serialized DAG + DAG row
    assert dags.delete_dag(demo_db, "demo", actor="a") == 5
    with pytest.raises(DagNotFound):
        dags.is_paused(demo_db, "demo")


def test_pools(demo_db: Database) -> None:
    created = pools.create_or_update_pool(demo_db, "p", "4", None, actor="a")
    assert created["slots"] == 4 and created["description"] == ""
    assert pools.get_pool(demo_db, "p")["open_slots"] == 4
    with pytest.raises(BadRequest, match=r"Bad value for `slots`: 1\.5"):
        pools.create_or_update_pool(demo_db, "p", 1.5, "", actor="a")
    with pytest.raises(BadRequest, match="default_pool cannot be deleted"):
        pools.delete_pool(demo_db, "default_pool", actor="a")
    assert pools.delete_pool(demo_db, "p", actor="a")["pool"] == "p"
    with pytest.raises(PoolNotFound, match="Pool 'p' doesn't exist"):
        pools.get_pool(demo_db, "p")
