"""Jinja rendering of operator fields.

Operators list the attributes to render in ``template_fields``; this module walks those
values (strings, and strings nested in lists, tuples, sets, dicts and objects that have
``template_fields`` of their own), renders each string with the task's context, and swaps
:class:`Resolvable` placeholders for their values.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.ext  # the extensions below; imported here so no try pays for the import
import jinja2.nativetypes
import jinja2.sandbox

from tradewind.authoring.resolvable import Resolvable
from tradewind.security.masking import MASK, is_sensitive_key, redact

if TYPE_CHECKING:
    from tradewind.authoring.dag import DAG


class NativeSandboxedEnvironment(
    jinja2.sandbox.SandboxedEnvironment, jinja2.nativetypes.NativeEnvironment
):
    """``render_template_as_native_obj=True``: ``{{ [1, 2] }}`` renders to a list, not text.

    Still sandboxed, like the text environment.
    """


def build_jinja_env(dag: DAG | None = None) -> jinja2.Environment:
    """The environment used to render a DAG's templates.

    Sandboxed, so a template cannot reach into arbitrary Python internals; the loader looks
    next to the DAG file and in ``template_searchpath`` so ``bash_command="run.sh"`` works.
    An undefined name is an error (``StrictUndefined``), as in Airflow 2, unless the DAG
    says otherwise (``template_undefined``).
    """
    options: dict[str, Any] = {
        "loader": jinja2.FileSystemLoader(template_search_path(dag)),
        "keep_trailing_newline": True,
        "extensions": ["jinja2.ext.do", "jinja2.ext.loopcontrols"],
        "cache_size": 0,
    }
    native = False
    if dag is not None:
        native = dag.render_template_as_native_obj
        options["undefined"] = dag.template_undefined
        options.update(dag.jinja_environment_kwargs)
    env_class = NativeSandboxedEnvironment if native else jinja2.sandbox.SandboxedEnvironment
    env = env_class(**options)
    env.filters.update(_DATE_FILTERS)
    if dag is not None:
        env.filters.update(dag.user_defined_filters)
    return env


def template_search_path(dag: DAG | None) -> list[str]:
    """Where template files are looked for: the DAG file's folder, then ``template_searchpath``."""
    if dag is None:
        return []
    paths = [str(Path(dag.fileloc).parent)] if dag.fileloc else []
    return paths + list(dag.template_searchpath)


def render_template(
    value: Any,
    context: Mapping[str, Any],
    env: jinja2.Environment,
    template_ext: Sequence[str] = (),
    _seen: set[int] | None = None,
) -> Any:
    """Render ``value`` recursively; non-string leaves are returned unchanged.

    A string ending with one of ``template_ext`` is the name of a template file. An object
    with its own ``template_fields`` is copied and those fields rendered in the copy.
    """
    if isinstance(value, Resolvable):
        return value.resolve(context)
    if isinstance(value, str):
        if template_ext and value.endswith(tuple(template_ext)):
            return _template_file(env, value).render(**context)
        if not _has_markup(value):
            return value
        return env.from_string(value).render(**context)

    def again(item: Any) -> Any:
        return render_template(item, context, env, template_ext, _seen)

    if isinstance(value, list):
        return [again(item) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(again(item) for item in value)
    if isinstance(value, set | frozenset):
        return type(value)(again(item) for item in value)
    if isinstance(value, dict):
        return {key: again(item) for key, item in value.items()}
    if _has_own_template_fields(value):
        return _render_nested_object(value, context, env, _seen if _seen is not None else set())
    return value


def _render_nested_object(
    value: Any, context: Mapping[str, Any], env: jinja2.Environment, seen: set[int]
) -> Any:
    """A copy of ``value`` with its ``template_fields`` rendered (each object once)."""
    if id(value) in seen:
        return value
    seen.add(id(value))
    rendered = copy.copy(value)
    template_ext = getattr(value, "template_ext", ())
    for field in value.template_fields:
        inner = getattr(value, field)
        setattr(rendered, field, render_template(inner, context, env, template_ext, seen))
    return rendered


def _template_file(env: jinja2.Environment, name: str) -> jinja2.Template:
    """The template file ``name``; a missing one names the folders that were searched."""
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound:
        searched = getattr(env.loader, "searchpath", [])
        raise jinja2.TemplateNotFound(
            name,
            message=(
                f"template file {name!r} was not found in the template search path "
                f"{list(searched)!r} (the DAG file's folder, then the DAG's template_searchpath); "
                "to pass the text itself rather than a file name, end it with a space"
            ),
        ) from None


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
    return _has_own_template_fields(value)


def _has_own_template_fields(value: Any) -> bool:
    """An object (not a class, not a Resolvable) that lists fields of its own to render."""
    return (
        not isinstance(value, type | Resolvable)
        and value is not None
        and bool(getattr(value, "template_fields", None))
    )


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


#: Longest rendered text kept for display (Airflow's ``[core] max_templated_field_length``).
MAX_SHOWN_FIELD_LENGTH = 4096


def shown_field_values(operator: Any) -> dict[str, Any]:
    """The operator's templated fields as JSON values, to show what a try rendered.

    Objects JSON has no type for are shown by ``repr``; long text is cut to
    :data:`MAX_SHOWN_FIELD_LENGTH` characters, saying so. Secrets stay hidden, as in the
    try's log: a value the try read as a secret (a connection's password, a sensitive
    variable) shows as ``***``, and so does the whole value of a field or dict key whose
    name says it holds one (``password``, ``api_key``...).
    """
    return {
        field: _masked_under(field, getattr(operator, field, None))
        for field in operator.template_fields
    }


def _masked_under(name: str, value: Any) -> Any:
    if value is not None and value != "" and is_sensitive_key(name):
        return MASK
    return _shown(value)


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        value = redact(value)
        if len(value) <= MAX_SHOWN_FIELD_LENGTH:
            return value
        return value[:MAX_SHOWN_FIELD_LENGTH] + f"... (cut at {MAX_SHOWN_FIELD_LENGTH} characters)"
    if isinstance(value, dict):
        return {str(key): _masked_under(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_shown(item) for item in value]
    return _shown(repr(value))
