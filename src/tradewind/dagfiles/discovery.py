"""Finding DAG files: walk the DAG folder, honour ``.tradewindignore``, skip non-DAG files.

Discovery only looks at names and file metadata; whether a candidate really is a DAG file
(the "safe mode" text check, :func:`looks_like_dag_file`) is decided by the caller once it
has the file's bytes, because the sync reads bytes only for files that changed.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    for entry in _python_file_entries(folder):
        yield entry.path


def _python_file_entries(folder: Path, *, ordered: bool = True) -> list[os.DirEntry[str]]:
    """The ``.py`` entries below ``folder``; sorted by name within each folder (subfolders
    after files) if ``ordered``."""
    root = str(folder.resolve())
    found: list[os.DirEntry[str]] = []
    if os.path.isdir(root):
        _walk(root, [], found, ordered)
    return found


def _walk(
    folder: str, inherited: list[_IgnoreRule], found: list[os.DirEntry[str]], ordered: bool
) -> None:
    """Append the folder's ``.py`` entries to ``found``, then those of its subfolders.

    One list rather than nested generators, and no sort when the order does not matter:
    at 10,000 files the walk is most of an unchanged re-sync.
    """
    rules = inherited + _read_ignore_file(folder)
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except OSError:
        return
    if ordered:
        entries.sort(key=lambda entry: entry.name)
    subfolders = []
    for entry in entries:
        name = entry.name
        if name.startswith(".") or name == "__pycache__":
            continue
        if rules and any(rule.matches(entry.path, name) for rule in rules):
            continue
        if entry.is_dir():
            subfolders.append(entry.path)
        elif name.endswith(".py") and entry.is_file():
            found.append(entry)
    for subfolder in subfolders:
        _walk(subfolder, rules, found, ordered)


def import_folders(config: Config) -> list[Path]:
    """What DAG files may import from: the DAG folders and ``[core] plugins_folder``."""
    return [*dag_folders(config), Path(config.get("core", "plugins_folder")).expanduser()]


def dag_folders(config: Config) -> list[Path]:
    """The folders to scan: ``[core] dags_folder``, plus the examples if ``load_examples``."""
    folders = [config.dags_folder]
    if config.get("core", "load_examples"):
        folders.append(EXAMPLE_DAGS_FOLDER)
    return folders


def stat_dag_file_candidates(config: Config) -> dict[str, os.stat_result]:
    """Every candidate DAG file of the configured folders (not yet checked by content),
    with its ``os.stat``; a file that vanishes while being listed is left out.

    Stat'ing the directory entries the walk already holds is cheaper than stat'ing the
    paths afterwards: at 10,000 files this is most of an unchanged re-sync.
    """
    seen: dict[str, os.stat_result] = {}
    for folder in dag_folders(config):
        for entry in _python_file_entries(folder, ordered=False):
            if entry.path in seen:
                continue
            try:
                seen[entry.path] = entry.stat()
            except OSError:
                continue
    return seen


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
