"""Finding DAG files: walk the DAG folder, honour ``.tradewindignore``, skip non-DAG files.

Discovery only looks at names and file metadata; whether a candidate really is a DAG file
(the "safe mode" text check, :func:`looks_like_dag_file`) is decided by the caller once it
has the file's bytes, because the sync reads bytes only for files that changed.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from tradewind.config import Config

IGNORE_FILE_NAME = ".tradewindignore"

#: The folder of example DAGs shipped inside the package.
EXAMPLE_DAGS_FOLDER = Path(__file__).resolve().parent.parent / "example_dags"


@dataclass(frozen=True)
class _IgnoreRule:
    """A glob pattern from the ``.tradewindignore`` of folder ``base``."""

    base: str
    pattern: str

    def matches(self, path: str, name: str) -> bool:
        """Patterns without a ``/`` match a name at any depth; others the path below ``base``."""
        if "/" not in self.pattern:
            return fnmatch.fnmatchcase(name, self.pattern)
        relative = os.path.relpath(path, self.base).replace(os.sep, "/")
        return fnmatch.fnmatchcase(relative, self.pattern.lstrip("/"))


def _read_ignore_file(folder: str) -> list[_IgnoreRule]:
    path = os.path.join(folder, IGNORE_FILE_NAME)
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return []
    rules = []
    for line in lines:
        pattern = line.strip()
        if pattern and not pattern.startswith("#"):
            rules.append(_IgnoreRule(folder, pattern.rstrip("/")))
    return rules


def iter_python_files(folder: Path) -> Iterator[str]:
    """Absolute paths of the ``.py`` files below ``folder``, minus ignored ones, sorted.

    A ``.tradewindignore`` holds one glob pattern per line (``#`` starts a comment) and
    applies to its own folder and everything below it. A pattern without ``/`` matches a
    file or folder name anywhere (``*_test.py``, ``scratch``); a pattern with ``/`` is matched
    against the path relative to the ignore file's folder (``legacy/*.py``). An ignored
    folder is not entered at all.
    """
    found: list[FileStamp] = []
    _walk_folder(folder, found.append, ordered=True)
    for path, _, _ in found:
        yield path


#: What the sync compares of a candidate file with its ``dag_file`` row: (path, mtime, size).
FileStamp = tuple[str, float, int]


def stat_dag_file_candidates(config: Config) -> set[FileStamp]:
    """Every candidate DAG file of the configured folders (not yet checked by content),
    as a (path, mtime, size) stamp; a file that vanishes while being listed is left out.

    A set of plain tuples, so that the sync compares a whole unchanged folder with its
    rows in one set operation.
    """
    stamps: set[FileStamp] = set()
    for folder in dag_folders(config):
        _walk_folder(folder, stamps.add, ordered=False)
    return stamps


def _walk_folder(folder: Path, add: Callable[[FileStamp], object], *, ordered: bool) -> None:
    """``add`` the stamp of each ``.py`` file below ``folder``; sorted by name within each
    folder (subfolders after files) if ``ordered``."""
    root = str(folder.resolve())
    if os.path.isdir(root):
        _walk(root, [], add, ordered)


#: Open a folder to list it and ``stat`` its files relative to it.
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)


def _walk(
    folder: str,
    inherited: list[_IgnoreRule],
    add: Callable[[FileStamp], object],
    ordered: bool,
) -> None:
    """Stamp the folder's ``.py`` files, then walk its subfolders.

    At 10,000 files this walk is most of an unchanged re-sync, nearly all of it the
    ``stat`` calls. So: names from ``os.listdir`` (no ``DirEntry`` objects), each
    ``stat`` relative to the open folder (the kernel does not look up the folder's path
    again for each file), no nested generators, and no sort when the order does not matter.
    """
    rules = inherited + _read_ignore_file(folder)
    prefix = os.path.join(folder, "")
    try:
        descriptor = os.open(folder, _FOLDER_FLAGS)
    except OSError:
        return
    subfolders = []
    try:
        names = os.listdir(descriptor)
        if ordered:
            names.sort()
        for name in names:
            if name.startswith(".") or name == "__pycache__":
                continue
            path = prefix + name
            if rules and any(rule.matches(path, name) for rule in rules):
                continue
            try:
                stat = os.stat(name, dir_fd=descriptor)
            except OSError:  # gone since listed, or a broken link
                continue
            if S_ISDIR(stat.st_mode):
                subfolders.append(path)
            elif S_ISREG(stat.st_mode) and name.endswith(".py"):
                add((path, stat.st_mtime, stat.st_size))
    except OSError:
        return
    finally:
        os.close(descriptor)
    for subfolder in subfolders:
        _walk(subfolder, rules, add, ordered)


def import_folders(config: Config) -> list[Path]:
    """What DAG files may import from: the DAG folders and ``[core] plugins_folder``."""
    return [*dag_folders(config), Path(config.get("core", "plugins_folder")).expanduser()]


def dag_folders(config: Config) -> list[Path]:
    """The folders to scan: ``[core] dags_folder``, plus the examples if ``load_examples``."""
    folders = [config.dags_folder]
    if config.get("core", "load_examples"):
        folders.append(EXAMPLE_DAGS_FOLDER)
    return folders


def looks_like_dag_file(content: bytes, *, airflow_compat: bool = False) -> bool:
    """The "safe mode" check: only files mentioning both ``tradewind`` and ``dag`` are imported.

    Importing every ``.py`` file of a folder would run helper modules and scripts that happen
    to live there; like Airflow's ``dag_discovery_safe_mode``, a cheap text test keeps those
    out. Both words are matched case-insensitively, so ``from tradewind import DAG`` and
    ``from tradewind.decorators import dag`` both qualify. With ``airflow_compat`` (the
    ``[core]`` option), a file mentioning ``airflow`` instead of ``tradewind`` qualifies too.
    """
    lowered = content.lower()
    if b"dag" not in lowered:
        return False
    return b"tradewind" in lowered or (airflow_compat and b"airflow" in lowered)
