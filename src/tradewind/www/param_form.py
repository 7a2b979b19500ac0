"""The trigger page's params form: one field per DAG param, and the conf it posts.

Fields are chosen from each param's JSON Schema as Airflow's trigger form chooses them
(number input for numbers, checkbox for booleans, select for ``enum``, a JSON text box for
objects and arrays, text otherwise), labelled with ``title`` and described with
``description``. Posted text is turned back into JSON values here; whether the values are
*valid* is decided once, by the operations layer, for the UI, the API and the CLI alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tradewind.authoring.params import Param, ParamsDict, schema_types
from tradewind.exceptions import BadRequest

FIELD_PREFIX = "param."
#: Hidden input naming the fields the form showed: an unchecked checkbox posts nothing,
#: and a post without the form (a script's) must not read as "every field left empty".
SHOWN_FIELDS = "params_shown"


@dataclass(frozen=True)
class ParamField:
    """What the template needs to draw one param's input."""

    name: str
    label: str
    description: str
    kind: str  # text | date | integer | number | boolean | select | json
    value: str = ""
    checked: bool = False
    required: bool = False
    options: list[tuple[str, str, bool]] = field(default_factory=list)  # (json, label, selected)
    examples: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def input_name(self) -> str:
        return FIELD_PREFIX + self.name


def shown_params(params: ParamsDict) -> dict[str, Param]:
    """The params the form shows: a ``const`` param is fixed, so it gets no field."""
    return {name: p for name, p in params.params().items() if "const" not in p.schema}


def form_fields(
    params: ParamsDict,
    posted: Mapping[str, str] | None = None,
    prefill: Mapping[str, str] | None = None,
) -> list[ParamField]:
    """A field per shown param, prefilled with its default, or with what was posted.

    ``prefill`` (the page's query string, ``?count=4``: a link to a filled-in form, as in
    Airflow) replaces defaults by param name.
    """
    if posted is None and prefill:
        posted = _as_posted(params, prefill)
    return [_field(name, param, posted) for name, param in shown_params(params).items()]


def _as_posted(params: ParamsDict, prefill: Mapping[str, str]) -> dict[str, str]:
    """Query-string values as if the form had been posted with them (others: defaults)."""
    posted: dict[str, str] = {}
    for name, param in shown_params(params).items():
        kind = _kind(param)
        text = prefill.get(name)
        if kind == "boolean":
            wanted = bool(param.value) if text is None else text.lower() in _TRUE
            if wanted:
                posted[FIELD_PREFIX + name] = "true"
        else:
            default = param.value if param.has_value else None
            posted[FIELD_PREFIX + name] = _as_text(kind, default) if text is None else text
    return posted


_TRUE = {"true", "1", "yes", "on"}


def param_named_in(error: str, params: ParamsDict) -> str | None:
    """The param a refusal is about (``Invalid input for param <name>: ...``), to mark it."""
    named = [name for name in params if error.startswith(f"Invalid input for param {name}: ")]
    return max(named, key=len, default=None)


def shown_names_json(params: ParamsDict) -> str:
    return json.dumps(list(shown_params(params)))


def conf_from_form(params: ParamsDict, form: Mapping[str, str]) -> dict[str, Any]:
    """The conf the posted fields say; an empty field is ``None``, as in Airflow's form."""
    try:
        shown = set(json.loads(form.get(SHOWN_FIELDS) or "[]"))
    except ValueError:
        shown = set()
    conf: dict[str, Any] = {}
    for name, param in shown_params(params).items():
        if name in shown:
            conf[name] = _posted_value(name, _kind(param), form.get(FIELD_PREFIX + name))
    return conf


# --- one field ---------------------------------------------------------------------------------


def _field(name: str, param: Param, posted: Mapping[str, str] | None) -> ParamField:
    schema = param.schema
    kind = _kind(param)
    default = param.value if param.has_value else None
    raw = posted.get(FIELD_PREFIX + name) if posted is not None else None
    shown = raw if raw is not None else _as_text(kind, default)
    checked = (raw is not None) if posted is not None else bool(default)
    description = param.description or schema.get("description_md") or ""
    return ParamField(
        name=name,
        label=str(schema.get("title") or name),
        description=str(description),
        kind=kind,
        value=shown,
        checked=checked,
        required=not param.has_value and "null" not in schema_types(schema),
        options=_options(schema, shown) if kind == "select" else [],
        examples=[str(item) for item in schema.get("examples") or [] if kind == "text"],
        attrs=_attributes(kind, schema),
    )


def _kind(param: Param) -> str:
    schema = param.schema
    if "enum" in schema:
        return "select"
    types = [kind for kind in schema_types(schema) if kind != "null"]
    kind = types[0] if types else _json_type(param.value)
    if kind in ("object", "array"):
        return "json"
    if kind in ("boolean", "integer", "number"):
        return str(kind)
    if kind == "string" and schema.get("format") == "date":
        return "date"
    return "text"


def _json_type(value: Any) -> str:
    """A plain param (no schema) is drawn after its default's type, as Airflow does."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "string"


def _as_text(kind: str, value: Any) -> str:
    if value is None:
        return "null" if kind == "select" else ""
    if kind in ("json", "select"):
        return json.dumps(value, indent=2 if kind == "json" else None, default=str)
    return str(value)


def _options(schema: Mapping[str, Any], selected: str) -> list[tuple[str, str, bool]]:
    labels = schema.get("values_display") or {}
    options = []
    for item in schema["enum"]:
        encoded = json.dumps(item, default=str)
        label = labels.get(str(item), item) if isinstance(labels, Mapping) else item
        options.append((encoded, "" if label is None else str(label), encoded == selected))
    return options


def _attributes(kind: str, schema: Mapping[str, Any]) -> dict[str, str]:
    """HTML constraints mirroring the schema's, so the browser says so before posting."""
    pairs: dict[str, Any] = {}
    if kind in ("integer", "number"):
        pairs = {"min": schema.get("minimum"), "max": schema.get("maximum")}
        pairs["step"] = "1" if kind == "integer" else "any"
    elif kind == "text":
        pairs = {"minlength": schema.get("minLength"), "maxlength": schema.get("maxLength")}
    return {key: str(value) for key, value in pairs.items() if value is not None}


# --- posted text -> value ----------------------------------------------------------------------


def _posted_value(name: str, kind: str, raw: str | None) -> Any:
    if kind == "boolean":
        return raw is not None
    if raw is None or raw.strip() == "":
        return None
    if kind in ("json", "select"):
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise BadRequest(f"Invalid input for param {name}: not valid JSON: {exc}") from None
    if kind in ("integer", "number"):
        return _number(raw.strip())
    return raw


def _number(text: str) -> Any:
    """An int or float; text that is neither stays text, for the schema to refuse by name."""
    for convert in (int, float):
        try:
            number = convert(text)
        except ValueError:
            continue
        return number if math.isfinite(number) else text  # NaN and Infinity are not JSON
    return text
