"""Import one DAG file in the current process and collect the DAGs it defines.

This runs user code: the parser calls it inside its forked workers, the task runner and
``tasks test`` call it in the process that runs the task. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from tradewind.authoring import dag_context
from tradewind.authoring.unimplemented import (
    UnimplementedArgumentWarning,
    unimplemented_argument_warnings,
)
from tradewind.exceptions import DagDefinitionError

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG

MODULE_PREFIX = "tradewind_dagfile_"

log = logging.getLogger(__name__)

#: At most this many warnings of one file are kept with its DAGs (all are logged).
MAX_KEPT_WARNINGS = 50


@dataclass
class LoadedFile:
    """The DAGs one file defines and the warnings its import raised, as one line each."""

    dags: list[DAG]
    warnings: list[str] = field(default_factory=list)


def module_name_for(path: str) -> str:
    """A module name unique to ``path``, so two ``etl.py`` in different folders never clash."""
    digest = hashlib.sha1(path.encode()).hexdigest()[:12]
    stem = os.path.splitext(os.path.basename(path))[0]
    safe_stem = "".join(ch if ch.isalnum() else "_" for ch in stem)
    return f"{MODULE_PREFIX}{digest}_{safe_stem}"


def load_dags_from_file(path: str) -> list[DAG]:
    """Import ``path`` and return its DAGs, each validated (see :func:`load_dag_file`)."""
    return load_dag_file(path).dags


def load_dag_file(path: str) -> LoadedFile:
    """Import ``path``: its DAGs, each validated (cycles, unknown tasks...), and warnings.

    The DAGs are the module's global variables that hold a DAG, plus DAGs opened as a
    context manager during the import even if never assigned (which is what calling an
    ``@dag``-decorated function at module level does). Each gets ``fileloc = path``, the file
    the task runner must import again to run its tasks.

    Any error propagates unchanged (``SyntaxError``, the file's own exception,
    :class:`DagDefinitionError`), with a note naming the file. Warnings raised while the
    file is imported (an old argument name, something accepted that does nothing) are
    logged with the file's name, whatever the process's warning filters: Python hides
    ``DeprecationWarning`` by default, and a DAG author must still see them. Arguments
    the DAGs set that Tradewind does not act on yet are warned about here too (see
    :mod:`tradewind.authoring.unimplemented`). The parser stores the warnings with the DAGs,
    so ``tradewind dags report`` and the UI show them.
    """
    from tradewind.authoring.dag import DAG

    path = os.path.abspath(path)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            try:
                module, opened = _import_recording_dags(path)
                dags = _collect_dags(module, opened, DAG)
                for dag in dags:
                    dag.fileloc = path
                    dag.validate()
                    for message in unimplemented_argument_warnings(dag):
                        warnings.warn(message, UnimplementedArgumentWarning, stacklevel=1)
                    _warn_if_timetable_unregistered(dag)
            finally:  # logged even when the file then fails: they may say why
                lines = _log_warnings(path, caught)
    except BaseException as exc:
        if isinstance(exc, Exception):
            exc.add_note(f"(while importing DAG file {path})")
        raise
    return LoadedFile(dags=dags, warnings=lines[:MAX_KEPT_WARNINGS])


def _warn_if_timetable_unregistered(dag: DAG) -> None:
    """A user's timetable class should be declared by a plugin, as Airflow requires."""
    from tradewind.authoring.schedules import is_user_timetable
    from tradewind.plugins_manager import registered_timetables

    kind = type(dag.timetable)
    if is_user_timetable(dag.timetable) and kind not in registered_timetables():
        warnings.warn(
            f"DAG {dag.dag_id!r}: timetable {kind.__module__}.{kind.__qualname__} is not "
            f"listed in any AirflowPlugin's `timetables`; Airflow refuses such a DAG. Declare "
            f"it in a plugin class in the module that defines it",
            UserWarning,
            stacklevel=1,
        )


def _log_warnings(path: str, caught: list[warnings.WarningMessage]) -> list[str]:
    """Log each warning with the file's name; return them as ``line N: Category: text``."""
    lines: list[str] = []
    for warning in caught:
        in_file = warning.filename == path
        where = f"{path}:{warning.lineno}" if in_file else path
        log.warning("%s: %s: %s", where, warning.category.__name__, warning.message)
        prefix = f"line {warning.lineno}: " if in_file else ""
        lines.append(f"{prefix}{warning.category.__name__}: {warning.message}")
    return lines


def ensure_importable(folders: Iterable[str | os.PathLike[str]]) -> None:
    """Put the DAG folders on ``sys.path`` (once), like Airflow does.

    DAG files commonly import helpers kept next to them (``from common.sql import ...``);
    every process that imports DAG files calls this with :func:`dag_folders` first.
    """
    for folder in reversed([os.fspath(folder) for folder in folders]):
        if folder not in sys.path:
            sys.path.insert(0, folder)


def unload(path: str) -> None:
    """Forget the module imported for ``path`` (lets the parser free memory between files)."""
    sys.modules.pop(module_name_for(os.path.abspath(path)), None)


def _import_recording_dags(path: str) -> tuple[ModuleType, list[DAG]]:
    """Execute the file as a fresh module, noting every DAG entered with ``with``.

    ``dag_context.push`` is wrapped for the duration of the import only; DAG files are
    imported one at a time, so no other import can observe the wrapper.
    """
    name = module_name_for(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    opened: list[DAG] = []
    original_push = dag_context.push

    def recording_push(dag: DAG) -> None:
        opened.append(dag)
        original_push(dag)

    sys.modules[name] = module
    dag_context.push = recording_push
    try:
        # Compiled from the source every time rather than through ``__pycache__``: bytecode
        # is validated by mtime in whole seconds, so a quick edit could run stale code.
        with open(path, "rb") as handle:
            code = compile(handle.read(), path, "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        dag_context.push = original_push
    return module, opened


def _collect_dags(module: ModuleType, opened: list[DAG], dag_class: type[DAG]) -> list[DAG]:
    found: dict[int, DAG] = {}
    for value in list(vars(module).values()):
        if isinstance(value, dag_class):
            found.setdefault(id(value), value)
    module_path = module.__file__ or ""
    module_file: str | None = None  # resolved only when a DAG's fileloc is not the path
    for dag in opened:
        # Only DAGs this file created: a helper module's DAGs belong to that helper.
        if not dag.fileloc:
            continue
        if dag.fileloc != module_path:
            if module_file is None:
                module_file = os.path.realpath(module_path)
            if dag.fileloc != module_file and os.path.realpath(dag.fileloc) != module_file:
                continue
        found.setdefault(id(dag), dag)
    # A sub-DAG lives on inside its parent (SubDagOperator inlines it), as in Airflow.
    dags = [dag for dag in found.values() if not dag.is_subdag]
    by_id: dict[str, DAG] = {}
    for dag in dags:
        if dag.dag_id in by_id:
            raise DagDefinitionError(
                f"DAG id {dag.dag_id!r} is defined more than once in {module.__file__}"
            )
        by_id[dag.dag_id] = dag
    return dags
