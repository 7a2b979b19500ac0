"""The virtualenv cache: tries that ask for the same virtualenv at once build it once, and a
build that died half-way is built again. (The real build is covered end to end in
tests/scheduling/test_virtualenv_operators.py; here the build command is a stand-in.)"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tradewind.authoring.venv_cache import (
    MARKER,
    VenvSpec,
    VirtualenvError,
    cached_venv,
    python_for_version,
)

SPEC = VenvSpec(sys.executable, ("six",), False, (), ())


class FakeBuild:
    """Stands in for ``python -m venv`` and pip: slow, and counts how often it ran."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str]) -> int:
        self.commands.append(list(command))
        if command[1:3] == ["-m", "venv"]:
            time.sleep(0.3)  # long enough for the other thread to arrive meanwhile
            bin_dir = Path(command[3]) / "bin"
            bin_dir.mkdir(parents=True)
            (bin_dir / "python").write_text("")
        return 0

    def builds(self) -> int:
        return sum(1 for c in self.commands if c[1:3] == ["-m", "venv"])


def test_concurrent_tries_build_one_virtualenv(tmp_path: Path) -> None:
    build = FakeBuild()
    found: list[Path] = []
    threads = [
        threading.Thread(target=lambda: found.append(cached_venv(SPEC, tmp_path, build)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert build.builds() == 1
    assert len(set(found)) == 1 and (found[0] / MARKER).is_file()
    pip = [c for c in build.commands if "pip" in c]
    assert len(pip) == 1 and pip[0][-2:] == ["-r", str(found[0] / "requirements.txt")]


def test_a_half_built_virtualenv_is_built_again(tmp_path: Path) -> None:
    build = FakeBuild()
    target = cached_venv(SPEC, tmp_path, build)
    (target / MARKER).unlink()  # as if the try died before the end of the build
    assert cached_venv(SPEC, tmp_path, build) == target
    assert build.builds() == 2


def test_a_python_version_not_on_path_is_named() -> None:
    with pytest.raises(VirtualenvError, match=r"python_version '2\.1': no python2\.1 on PATH"):
        python_for_version("2.1")
