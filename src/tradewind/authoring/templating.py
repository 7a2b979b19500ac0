"""Jinja rendering of operator fields.

Operators list the attributes to render in ``template_fields``; this module walks those
values (strings, and strings nested in lists, tuples, sets and dicts), renders each string
with the task's context, and swaps :class:`Resolvable` placeholders for their values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.ext  # the extensions below; imported here so no try pays for the import
import jinja2.sandbox

from tradewind.authoring.resolvable import Resolvable

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG


def build_jinja_env(dag: DAG | None = None) -> jinja2.Environment:
    """The environment used to render a DAG's templates.

    Sandboxed, so a template cannot reach into arbitrary Python internals; the loader looks
    next to the DAG file and in ``template_searchpath`` so ``bash_command="run.sh"`` works.
    """
    search_path: list[str] = []
    if dag is not None:
        if dag.fileloc:
            search_path.append(str(Path(dag.fileloc).parent))
        search_path.extend(dag.template_searchpath)
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(search_path),
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
        cache_size=0,
    )
    env.filters.update(_DATE_FILTERS)
    if dag is not None:
        env.filters.update(dag.user_defined_filters)
    return env


def render_template(
    value: Any,
    context: Mapping[str, Any],
    env: jinja2.Environment,
    template_ext: Sequence[str] = (),
) -> Any:
    """Render ``value`` recursively; non-string leaves are returned unchanged.

    A string ending with one of ``template_ext`` is the name of a template file.
    """
    if isinstance(value, Resolvable):
        return value.resolve(context)
    if isinstance(value, str):
        if template_ext and value.endswith(tuple(template_ext)):
            return env.get_template(value).render(**context)
        if not _has_markup(value):
            return value
        return env.from_string(value).render(**context)
    if isinstance(value, list):
        return [render_template(item, context, env, template_ext) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(render_template(item, context, env, template_ext) for item in value)
    if isinstance(value, set | frozenset):
        return type(value)(render_template(item, context, env, template_ext) for item in value)
    if isinstance(value, dict):
        return {
            key: render_template(item, context, env, template_ext) for key, item in value.items()
        }
    return value


def needs_jinja(value: Any, template_ext: Sequence[str] = ()) -> bool:
    """Whether rendering ``value`` takes a Jinja environment (a template or a template file).

    Most fields hold none, and building the environment is the dearest part of rendering.
    """
    if isinstance(value, str):
        return bool(template_ext and value.endswith(tuple(template_ext))) or _has_markup(value)
    if isinstance(value, list | tuple | set | frozenset):
        return any(needs_jinja(item, template_ext) for item in value)
    if isinstance(value, dict):
        return any(needs_jinja(item, template_ext) for item in value.values())
    return False


def _has_markup(text: str) -> bool:
    """Whether Jinja could change ``text``: delimiters, or line endings it normalizes."""
    return "{" in text or "\r" in text


_DATE_FILTERS = {
    "ds": lambda value: value.strftime("%Y-%m-%d"),
    "ds_nodash": lambda value: value.strftime("%Y%m%d"),
    "ts": lambda value: value.isoformat(),
    "ts_nodash": lambda value: value.strftime("%Y%m%dT%H%M%S"),
    "ts_nodash_with_tz": lambda value: value.isoformat().replace("-", "").replace(":", ""),
}
