"""Every non-Python file under src/tradewind is named by a package-data pattern in
pyproject.toml, so a wheel carries it (a missing ``*.svg`` once left out the favicon)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "tradewind"


def _package_data() -> dict[str, list[str]]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["setuptools"]["package-data"]


def _shipped(path: Path, package_data: dict[str, list[str]]) -> bool:
    # packages.find includes namespace packages (the default), so every folder is a package
    # and a pattern is matched against the file's path inside its own folder: its name.
    package = ".".join(path.parent.relative_to(PACKAGE.parent).parts)
    patterns = [
        pattern
        for key, values in package_data.items()
        if key == "*" or key == package
        for pattern in values
    ]
    return any(fnmatch(path.name, pattern) for pattern in patterns)


def test_every_data_file_matches_a_package_data_pattern() -> None:
    package_data = _package_data()
    data_files = [
        path
        for path in PACKAGE.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix not in {".py", ".pyc"}
        and not path.name.startswith(".")
    ]
    assert any(path.name == "favicon.svg" for path in data_files)  # the check sees the files
    missing = sorted(
        str(path.relative_to(PACKAGE)) for path in data_files if not _shipped(path, package_data)
    )
    assert missing == [], f"add a pattern to [tool.setuptools.package-data]: {missing}"


def test_folders_without_init_are_still_packages() -> None:
    """``www/static`` and ``www/templates`` have no ``__init__.py``: their files only ship
    because ``packages.find`` includes namespace packages (its default); keep it so."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        find = tomllib.load(handle)["tool"]["setuptools"]["packages"]["find"]
    plain_folders = [
        folder
        for folder in PACKAGE.rglob("*")
        if folder.is_dir()
        and folder.name != "__pycache__"
        and not (folder / "__init__.py").exists()
    ]
    if plain_folders:
        assert find.get("namespaces", True) is True, plain_folders
