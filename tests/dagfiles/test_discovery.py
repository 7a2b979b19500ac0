from __future__ import annotations

from pathlib import Path

from tests.dagfiles.dag_files import write

from tradewind.dagfiles.discovery import (
    EXAMPLE_DAGS_FOLDER,
    dag_folders,
    iter_python_files,
    looks_like_dag_file,
)


def _names(folder: Path) -> list[str]:
    return [str(Path(path).relative_to(folder)) for path in iter_python_files(folder)]


def test_finds_python_files_recursively_and_sorted(tmp_path: Path) -> None:
    for name in ["b.py", "a.py", "sub/c.py", "sub/deeper/d.py", "notes.txt", "sub/e.pyc"]:
        write(tmp_path, name, "")
    assert _names(tmp_path) == ["a.py", "b.py", "sub/c.py", "sub/deeper/d.py"]


def test_ignore_file_applies_to_its_folder_and_below(tmp_path: Path) -> None:
    for name in ["keep.py", "skip_me.py", "sub/skip_me.py", "sub/keep2.py", "sub/local.py"]:
        write(tmp_path, name, "")
    write(tmp_path, "other/local.py", "")
    write(tmp_path, ".tradewindignore", "# comment\nskip_*.py\n")
    write(tmp_path, "sub/.tradewindignore", "local.py\n")
    assert _names(tmp_path) == ["keep.py", "other/local.py", "sub/keep2.py"]


def test_ignore_patterns_with_a_slash_match_the_relative_path(tmp_path: Path) -> None:
    for name in ["legacy/old.py", "legacy/keep.txt", "new/legacy/old.py", "scratch/x.py"]:
        write(tmp_path, name, "")
    write(tmp_path, ".tradewindignore", "legacy/*.py\nscratch\n")
    assert _names(tmp_path) == ["new/legacy/old.py"]


def test_safe_mode_needs_both_words() -> None:
    assert looks_like_dag_file(b"from tradewind import DAG")
    assert looks_like_dag_file(b"from Tradewind.decorators import dag")
    assert not looks_like_dag_file(b"import os  # helper module for my dags")
    assert not looks_like_dag_file(b"import tradewind")


def test_examples_folder_only_with_load_examples(config) -> None:  # type: ignore[no-untyped-def]
    assert dag_folders(config) == [config.dags_folder]
    with_examples = config.with_overrides({("core", "load_examples"): "True"})
    assert dag_folders(with_examples) == [config.dags_folder, EXAMPLE_DAGS_FOLDER]
    assert len(list(iter_python_files(EXAMPLE_DAGS_FOLDER))) >= 4
