"""Isolated parsing: whatever a DAG file does, the others are parsed and the caller lives."""

from __future__ import annotations

import os
from pathlib import Path

from tests.dagfiles.dag_files import HEADER, dag_source, write

from tradewind.dagfiles.processor import FileParseResult, parse_files

BROKEN = {
    "raises.py": ("raise ValueError('boom')\n", "ValueError: boom"),
    "syntax.py": ("def broken(:\n", "SyntaxError"),
    "sys_exit.py": ("import sys\nsys.exit(3)\n", "called sys.exit(3)"),
    "os_exit.py": ("import os\nos._exit(0)\n", "exited with code 0"),
    "segfault.py": ("import ctypes\nctypes.string_at(0)\n", "killed by signal SIGSEGV"),
    "hangs.py": ("import time\ntime.sleep(60)\n", "Timed out after 1 s importing"),
}


def _parse(
    paths: list[Path], processes: int = 2, timeout: float = 30.0
) -> dict[str, FileParseResult]:
    """Each file's result by name. The timeout is generous unless a test is about it: a
    good file must not time out because the machine is loaded (a fresh worker after a
    crash took over 1 s under load once)."""
    results = parse_files([str(p) for p in paths], timeout=timeout, processes=processes)
    return {Path(result.fileloc).name: result for result in results}


def test_each_broken_file_is_an_error_and_the_others_parse(tmp_path: Path) -> None:
    paths = [write(tmp_path, name, HEADER + body) for name, (body, _) in BROKEN.items()]
    paths += [write(tmp_path, f"good_{n}.py", dag_source(f"good_{n}")) for n in range(4)]
    results = _parse(sorted(paths), timeout=1.0)  # hangs.py times out

    assert len(results) == len(paths)
    for name, (_, expected) in BROKEN.items():
        result = results[name]
        assert result.dags == []
        assert result.error is not None and expected in result.error, (name, result.error)
        assert str(tmp_path / name) in result.error
    for n in range(4):
        result = results[f"good_{n}.py"]
        assert result.error is None
        assert [dag["dag_id"] for dag in result.dags] == [f"good_{n}"]


def test_single_worker_survives_a_sequence_of_crashes(tmp_path: Path) -> None:
    paths = [
        write(tmp_path, "1_exit.py", HEADER + "import os\nos._exit(1)\n"),
        write(tmp_path, "2_good.py", dag_source("two")),
        write(tmp_path, "3_exit.py", HEADER + "import os\nos._exit(1)\n"),
        write(tmp_path, "4_good.py", dag_source("four")),
    ]
    results = _parse(paths, processes=1)
    assert results["2_good.py"].error is None and results["4_good.py"].error is None
    assert results["1_exit.py"].error and results["3_exit.py"].error


def test_files_queued_behind_a_hanging_file_are_parsed_once(tmp_path: Path) -> None:
    """A worker holds two files at a time: the one behind a file that times out is not
    charged with the timeout and is parsed (once) by the replacement worker."""
    paths = [
        write(tmp_path, "1_hangs.py", HEADER + "import time\ntime.sleep(60)\n"),
        write(tmp_path, "2_good.py", dag_source("two")),
        write(tmp_path, "3_good.py", dag_source("three")),
    ]
    results = list(parse_files([str(p) for p in paths], timeout=1.0, processes=1))
    by_name = {Path(result.fileloc).name: result for result in results}
    assert len(results) == 3 and sorted(by_name) == ["1_hangs.py", "2_good.py", "3_good.py"]
    error = by_name["1_hangs.py"].error
    assert error is not None and "Timed out after 1 s" in error
    assert [dag["dag_id"] for dag in by_name["2_good.py"].dags] == ["two"]
    assert [dag["dag_id"] for dag in by_name["3_good.py"].dags] == ["three"]


def test_the_parent_never_imports_user_code(tmp_path: Path) -> None:
    marker = tmp_path / "imported_in"
    source = (
        dag_source("marked")
        + f"open({str(marker)!r}, 'a').write(str(__import__('os').getpid()) + '\\n')\n"
    )
    results = _parse([write(tmp_path, "marked.py", source)])
    assert results["marked.py"].error is None
    pids = marker.read_text().split()
    assert len(pids) == 1 and int(pids[0]) != os.getpid()


def test_prints_at_import_time_do_not_reach_the_caller(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    source = dag_source("noisy") + "print('NOISE')\nimport os\nos.system('echo SHELLNOISE')\n"
    results = _parse([write(tmp_path, "noisy.py", source)])
    assert results["noisy.py"].error is None
    captured = capfd.readouterr()
    assert "NOISE" not in captured.out + captured.err
