"""The DAG folder and the database: what a user sees after each sync (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.dagfiles.dag_files import HEADER, dag_source, write

from tradewind.config import Config
from tradewind.dagfiles.serialization import SerializedDAG, dag_hash
from tradewind.dagfiles.sync import SyncReport, sync_dag_folder
from tradewind.db.engine import Database
from tradewind.db.models import DagFile, DagModel, ImportErrorModel, SerializedDagModel


@pytest.fixture
def folder(db_config: Config) -> Path:
    return db_config.dags_folder


@pytest.fixture
def sync(db_config: Config, database: Database):  # type: ignore[no-untyped-def]
    def run(force: bool = False, **overrides: str) -> SyncReport:
        config = db_config.with_overrides(
            {("core", key): value for key, value in overrides.items()}
        )
        return sync_dag_folder(config, database, force=force)

    return run


def _dags(database: Database) -> dict[str, DagModel]:
    with database.read_session() as session:
        return {dag.dag_id: dag for dag in session.scalars(select(DagModel))}


def _errors(database: Database) -> dict[str, str]:
    with database.read_session() as session:
        return {
            Path(error.filename).name: error.message
            for error in session.scalars(select(ImportErrorModel))
        }


def _serialized(database: Database, dag_id: str) -> SerializedDAG:
    with database.read_session() as session:
        data = session.scalar(
            select(SerializedDagModel.data).where(SerializedDagModel.dag_id == dag_id)
        )
    return SerializedDAG.from_dict(data)


def test_new_dags_appear_paused_per_config(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    write(folder, "paused.py", dag_source("paused_dag"))
    write(folder, "nested/explicit.py", dag_source("unpaused_dag", is_paused_upon_creation="False"))
    report = sync()
    assert sorted(report.dags_added) == ["paused_dag", "unpaused_dag"]
    dags = _dags(database)
    assert dags["paused_dag"].is_paused is True
    assert dags["unpaused_dag"].is_paused is False
    assert dags["paused_dag"].is_active and dags["paused_dag"].schedule == "0 0 * * *"
    assert dags["paused_dag"].fileloc == str(folder / "paused.py")
    assert _serialized(database, "paused_dag").tasks["a"].downstream_task_ids == {"b"}

    write(folder, "later.py", dag_source("later_dag"))
    sync(dags_are_paused_at_creation="False")
    assert _dags(database)["later_dag"].is_paused is False
    with database.read_session() as session:
        row = session.get(DagFile, str(folder / "later.py"))
        assert row is not None and row.dag_ids == ["later_dag"]
        assert row.source == dag_source("later_dag")


def test_broken_files_are_import_errors_and_others_still_parse(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    write(folder, "good.py", dag_source("good"))
    write(folder, "syntax.py", HEADER + "def oops(:\n")
    write(folder, "raises.py", HEADER + "raise KeyError('missing')\n")
    write(folder, "exits.py", HEADER + "import sys\nsys.exit(1)\n")
    write(folder, "os_exit.py", HEADER + "import os\nos._exit(0)\n")
    write(folder, "hangs.py", HEADER + "import time\ntime.sleep(30)\n")
    report = sync(dagbag_import_timeout="1")

    assert report.dags_added == ["good"]
    errors = _errors(database)
    assert set(errors) == {"syntax.py", "raises.py", "exits.py", "os_exit.py", "hangs.py"}
    assert "SyntaxError" in errors["syntax.py"] and str(folder / "syntax.py") in errors["syntax.py"]
    assert "KeyError: 'missing'" in errors["raises.py"]
    assert "sys.exit(1)" in errors["exits.py"]
    assert "exited with code 0" in errors["os_exit.py"]
    assert errors["hangs.py"] == f"Timed out after 1 s importing {folder / 'hangs.py'}"
    with database.read_session() as session:
        raised = session.scalar(
            select(ImportErrorModel).where(ImportErrorModel.filename.endswith("raises.py"))
        )
        assert "Traceback" in raised.stacktrace


def test_fixed_file_clears_its_error(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    path = write(folder, "flaky.py", HEADER + "raise RuntimeError('not yet')\n")
    sync()
    assert "flaky.py" in _errors(database)
    write(folder, "flaky.py", dag_source("flaky"))
    os.utime(path, (1, 1))  # a different mtime even on coarse file systems
    report = sync()
    assert report.dags_added == ["flaky"]
    assert _errors(database) == {}


def test_a_broken_file_keeps_its_previous_dags(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    path = write(folder, "keeps.py", dag_source("kept"))
    sync()
    path.write_text(dag_source("kept") + "raise ValueError('half-edited')\n")
    sync()
    assert _dags(database)["kept"].is_active
    assert "half-edited" in _errors(database)["keeps.py"]
    path.unlink()
    sync()
    assert not _dags(database)["kept"].is_active
    assert _errors(database) == {}


def test_removed_file_makes_its_dag_inactive_and_it_comes_back(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    path = write(folder, "gone.py", dag_source("gone"))
    write(folder, "stays.py", dag_source("stays"))
    sync(dags_are_paused_at_creation="False")
    with database.session() as session:  # the user pauses it
        session.get(DagModel, "gone").is_paused = True

    path.unlink()
    report = sync()
    assert report.dags_deactivated == ["gone"] and report.files_removed == 1
    dags = _dags(database)
    assert not dags["gone"].is_active and dags["stays"].is_active

    write(folder, "gone.py", dag_source("gone"))
    sync()
    dags = _dags(database)
    assert dags["gone"].is_active and dags["gone"].is_paused is True


def test_dag_removed_from_a_file_that_still_exists(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    path = write(folder, "two.py", dag_source("one") + dag_source("two").replace("dag:", "d2:"))
    sync()
    path.write_text(dag_source("one"))
    os.utime(path, (2, 2))
    report = sync()
    assert report.dags_deactivated == ["two"]
    assert _dags(database)["one"].is_active


def test_changed_file_updates_the_serialized_dag(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    path = write(folder, "change.py", dag_source("change", ("a", "b")))
    sync()
    with database.read_session() as session:
        old_hash = session.get(SerializedDagModel, "change").dag_hash
    path.write_text(dag_source("change", ("a", "b", "c"), tags="['new']", description="'now'"))
    os.utime(path, (3, 3))
    report = sync()
    assert report.dags_updated == ["change"]
    assert _serialized(database, "change").task_ids == ["a", "b", "c"]
    dag = _dags(database)["change"]
    assert dag.tags == ["new"] and dag.description == "now"
    with database.read_session() as session:
        assert session.get(SerializedDagModel, "change").dag_hash != old_hash
        assert session.get(DagFile, str(path)).source.count("EmptyOperator(") == 3


def test_an_edit_that_keeps_the_dag_keeps_the_stored_dag(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    """The hash the parse worker sends is the hash of what is stored, catchup included."""
    path = write(folder, "same.py", dag_source("same", ("a", "b")))
    sync()
    with database.read_session() as session:
        row = session.get(SerializedDagModel, "same")
        first = (row.dag_hash, row.last_updated, row.data)
    assert first[0] == dag_hash(first[2])
    path.write_text(path.read_text() + "\n# a comment changes the bytes, not the DAG\n")
    os.utime(path, (5, 5))
    report = sync()
    assert report.files_parsed == 1 and report.dags_updated == ["same"]
    with database.read_session() as session:
        row = session.get(SerializedDagModel, "same")
        assert (row.dag_hash, row.last_updated, row.data) == first


def test_unchanged_files_are_not_imported_again(sync, folder, database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "imports.log"
    source = dag_source("counted") + f"open({str(marker)!r}, 'a').write('imported\\n')\n"
    path = write(folder, "counted.py", source)
    assert sync().files_parsed == 1
    for _ in range(3):
        report = sync()
        assert (report.files_parsed, report.files_unchanged) == (0, 1)
    os.utime(path, (4, 4))  # touched, same content: hashed, not imported
    assert sync().files_parsed == 0
    assert marker.read_text().splitlines() == ["imported"]

    assert sync(force=True).files_parsed == 1  # `dags reserialize`
    assert len(marker.read_text().splitlines()) == 2


def test_an_edit_is_seen_by_its_mtime_or_its_size_alone(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    """The re-sync skips a file only when both its mtime and its size match the last sync."""
    path = write(folder, "edited.py", dag_source("edited", ("a", "b")))
    os.utime(path, (7, 7))
    sync()
    same_size = dag_source("edited", ("a", "c"))
    assert len(same_size) == path.stat().st_size
    path.write_text(same_size)
    os.utime(path, (8, 8))  # new mtime, same size
    assert sync().files_parsed == 1
    assert _serialized(database, "edited").task_ids == ["a", "c"]

    path.write_text(dag_source("edited", ("a", "c", "d")))
    os.utime(path, (8, 8))  # same mtime, new size
    assert sync().files_parsed == 1
    assert _serialized(database, "edited").task_ids == ["a", "c", "d"]
    assert sync().files_parsed == 0


def test_ignore_file_and_safe_mode(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    write(folder, "real.py", dag_source("real"))
    write(folder, "skipped/inside.py", dag_source("ignored_dag"))
    write(folder, "helper.py", "raise RuntimeError('a helper module must never be imported')\n")
    write(folder, ".tradewindignore", "skipped\n")
    report = sync()
    assert report.dags_added == ["real"] and report.files_seen == 1
    assert _errors(database) == {}

    write(folder, ".tradewindignore", "")
    assert sync().dags_added == ["ignored_dag"]


def test_a_dag_file_edited_into_a_helper_is_no_dag_file_any_more(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    path = write(folder, "turned.py", dag_source("turned"))
    write(folder, "kept.py", dag_source("kept"))
    sync()
    path.write_text("def shared_setting():\n    return 42\n")
    report = sync()
    assert report.dags_deactivated == ["turned"] and report.files_removed == 1
    assert report.files_seen == 1 and _dags(database)["kept"].is_active
    with database.read_session() as session:
        assert session.get(DagFile, str(path)) is None
    assert (sync().files_parsed, sync().files_removed) == (0, 0)


def test_duplicate_dag_id_across_files(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    first = write(folder, "a_first.py", dag_source("twin"))
    write(
        folder,
        "b_second.py",
        dag_source("twin", ("x",)) + dag_source("other").replace("dag:", "d2:"),
    )
    sync()
    dags = _dags(database)
    assert dags["twin"].fileloc == str(first)
    assert dags["other"].is_active
    assert _errors(database) == {"b_second.py": f"DAG id 'twin' is already defined in {first}"}

    # The original owner keeps the id even when the newcomer sorts first.
    write(folder, "0_third.py", dag_source("twin", ("y",)))
    sync()
    assert _dags(database)["twin"].fileloc == str(first)
    assert "0_third.py" in _errors(database)


def test_cyclic_dag_is_an_import_error_naming_file_and_dag(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    write(folder, "cycle.py", dag_source("loopy", ("a", "b")) + "    b >> a\n")
    sync()
    message = _errors(database)["cycle.py"]
    assert "loopy" in message and str(folder / "cycle.py") in message and "cycle" in message
    assert "loopy" not in _dags(database)


def test_dag_files_can_import_helpers_from_the_dag_folder(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    write(folder, "common/__init__.py", "")
    write(folder, "common/naming.py", "def make_id(team):\n    return f'{team}_report'\n")
    source = dag_source("placeholder").replace("'placeholder'", "make_id('sales')")
    write(folder, "team/report.py", "from common.naming import make_id\n" + source)
    report = sync()
    assert report.import_errors == {}
    assert report.dags_added == ["sales_report"]


def test_turning_examples_off_deactivates_them(sync, database) -> None:  # type: ignore[no-untyped-def]
    added = sync(load_examples="True").dags_added
    assert "example_bash_operator" in added and "example_taskflow" in added
    assert _serialized(database, "example_bash_operator").tasks["runme_0"].downstream_task_ids == {
        "run_after_loop"
    }
    report = sync(load_examples="False")
    assert sorted(report.dags_deactivated) == sorted(added)


def test_touching_a_failed_file_retries_it(sync, folder, database) -> None:  # type: ignore[no-untyped-def]
    helper = write(folder, "helpers.py", "raise ImportError('helper not ready')\n")
    path = write(folder, "uses_helper.py", "import helpers\n" + dag_source("uses_helper"))
    sync()
    assert "helper not ready" in _errors(database)["uses_helper.py"]

    helper.write_text("READY = True\n")
    assert sync().files_parsed == 0  # the DAG file itself did not change
    os.utime(path, (5, 5))
    assert sync().dags_added == ["uses_helper"]
    assert _errors(database) == {}


@pytest.mark.parametrize("by_default", ["True", "False"])
def test_catchup_by_default_applies_where_the_dag_does_not_say(  # type: ignore[no-untyped-def]
    db_config, database, folder, by_default: str
) -> None:
    write(folder, "unsaid.py", dag_source("unsaid"))
    write(folder, "said_true.py", dag_source("said_true", catchup="True"))
    write(folder, "said_false.py", dag_source("said_false", catchup="False"))
    config = db_config.with_overrides({("scheduler", "catchup_by_default"): by_default})
    sync_dag_folder(config, database)
    assert _serialized(database, "unsaid").catchup is (by_default == "True")
    assert _serialized(database, "said_true").catchup is True
    assert _serialized(database, "said_false").catchup is False
    # A changed default reaches the DAG when its file is parsed again (reserialize).
    flipped = "False" if by_default == "True" else "True"
    config = db_config.with_overrides({("scheduler", "catchup_by_default"): flipped})
    sync_dag_folder(config, database, force=True)
    assert _serialized(database, "unsaid").catchup is (flipped == "True")
    assert _serialized(database, "said_false").catchup is False
