"""The import hook that serves ``airflow...`` modules from :data:`~.table.AIRFLOW_MODULES`.

A :class:`sys.meta_path` finder, not a package named ``airflow``: it exists only in a
process that installed it (one that imports DAG files with ``[core] airflow_compat`` on), so
a real Airflow in the same environment is never shadowed otherwise.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from tradewind.compat.configuration import AirflowConfigView
from tradewind.compat.table import AIRFLOW_MODULES, parent_packages
from tradewind.config import Config

ROOT = "airflow"
SCOPE = "airflow_compat maps Airflow's core DAG API and the providers the README lists"


def module_not_provided(path: str) -> ImportError:
    """An ``airflow`` module Tradewind does not (yet) provide.

    A plain ImportError, not a subclass, so an import error list reads "ImportError: ...".
    """
    return ImportError(f"{path} is not provided by Tradewind ({SCOPE})", name=path)


def name_not_provided(module: str, name: str) -> ImportError:
    """A name of a served ``airflow`` module that Tradewind does not (yet) provide."""
    return ImportError(
        f"{name} (from {module}) is not provided by Tradewind ({SCOPE})", name=module
    )


class AirflowCompatFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and builds every ``airflow`` module; refuses the ones not in the table."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._packages = parent_packages()

    # --- finder ----------------------------------------------------------------------------

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != ROOT and not fullname.startswith(ROOT + "."):
            return None
        if fullname not in AIRFLOW_MODULES and fullname not in self._packages:
            raise module_not_provided(_requested_module(fullname))
        is_package = fullname in self._packages
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    # --- loader ----------------------------------------------------------------------------

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        fullname = module.__name__
        module.__dict__.update(self._exports(fullname))
        module.__getattr__ = _missing_name_reporter(fullname)  # type: ignore[method-assign]

    def _exports(self, fullname: str) -> dict[str, Any]:
        exports = {
            name: value
            for name, target in AIRFLOW_MODULES.get(fullname, {}).items()
            if (value := _resolve(target)) is not _ABSENT
        }
        if fullname == "airflow.configuration":
            exports["conf"] = AirflowConfigView(self.config)
        return exports


_ABSENT: Any = object()


def _resolve(target: str) -> Any:
    """``"tradewind.module:attribute"`` -> the object, or ``_ABSENT`` if Tradewind lacks it."""
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return _ABSENT
    return getattr(module, attribute, _ABSENT)


def _missing_name_reporter(fullname: str) -> Any:
    """The module's ``__getattr__``: a submodule of the table is imported; any other public
    name is refused with an ImportError naming it (``from airflow.models import X`` shows that
    text, where an AttributeError would become Python's vaguer "cannot import name"). Private
    names get the usual AttributeError, so ``getattr(module, "_x", None)`` works; the price of
    the clear message is that ``hasattr`` on an unmapped public name raises it too."""

    def module_getattr(name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(f"module {fullname!r} has no attribute {name!r}")
        submodule = f"{fullname}.{name}"
        if submodule in AIRFLOW_MODULES or submodule in parent_packages():
            return importlib.import_module(submodule)
        raise name_not_provided(fullname, name)

    return module_getattr


def _requested_module(fallback: str) -> str:
    """The full dotted path the running ``import`` statement asked for.

    Python imports ``airflow.providers`` before ``airflow.providers.amazon.aws.hooks.s3``, so
    the finder first sees the parent; the outermost frame of the import machinery still holds
    the whole path, which is the one a user recognises from their DAG file.
    """
    frame = sys._getframe(1)
    requested = fallback
    while frame is not None:
        name = frame.f_locals.get("name") if frame.f_code.co_name == "_find_and_load" else None
        if isinstance(name, str) and (name == fallback or name.startswith(fallback + ".")):
            requested = name
        frame = frame.f_back  # type: ignore[assignment]
    return requested


def install(config: Config) -> None:
    """Match this process's import system to ``[core] airflow_compat``.

    On: the hook goes first on ``sys.meta_path`` (replacing an earlier one, so it serves
    this configuration). Off: any hook and the modules it built are removed.
    """
    uninstall()
    if config.get("core", "airflow_compat"):
        sys.meta_path.insert(0, AirflowCompatFinder(config))


def uninstall() -> None:
    """Remove the hook and forget the ``airflow`` modules it served."""
    hooks = [finder for finder in sys.meta_path if isinstance(finder, AirflowCompatFinder)]
    if not hooks:
        return
    for finder in hooks:
        sys.meta_path.remove(finder)
    for name, module in list(sys.modules.items()):
        if isinstance(getattr(module, "__loader__", None), AirflowCompatFinder):
            del sys.modules[name]
