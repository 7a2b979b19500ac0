"""A small filesystem for the log folder, that a test can fill up and empty again."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import in_ci


class SmallDisk:
    """A mounted filesystem of a few hundred KB at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._filler = path / "filler.bin"

    def fill(self) -> None:
        """Write until the filesystem refuses: ENOSPC for everything after."""
        with open(self._filler, "ab", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
        assert self.free_bytes() < 4096

    def empty(self) -> None:
        self._filler.unlink(missing_ok=True)

    def free_bytes(self) -> int:
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize


@contextlib.contextmanager
def small_disk(path: Path, size_kb: int = 512) -> Iterator[SmallDisk]:
    """A tmpfs mounted at ``path`` (needs root, as here and in CI); else a loop-mounted ext2
    image; else the test is skipped (fails in CI, where root is expected)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = _mount_tmpfs(path, size_kb) or _mount_loop(path, size_kb)
    if not mounted:
        reason = "cannot mount a small filesystem here (needs root, tmpfs or a loop device)"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _mount_tmpfs(path: Path, size_kb: int) -> bool:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)],
        capture_output=True,
    )
    return done.returncode == 0


def _mount_loop(path: Path, size_kb: int) -> bool:
    if shutil.which("mkfs.ext2") is None:
        return False
    image = path.with_suffix(".img")
    with open(image, "wb") as f:
        f.truncate(size_kb * 1024)
    steps = (["mkfs.ext2", "-q", "-F", str(image)], ["mount", "-o", "loop", str(image), str(path)])
    return all(subprocess.run(step, capture_output=True).returncode == 0 for step in steps)
