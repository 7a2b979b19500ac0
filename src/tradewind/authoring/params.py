"""DAG params: named run-time settings with a JSON Schema, as Airflow 2's ``Param``.

A DAG (or a task) declares ``params={"x": Param(5, type="integer", minimum=1), "y": "abc"}``.
Plain values are boxed into a schema-less :class:`Param`. A run's conf overrides the defaults
(``[core] dag_run_conf_overrides_params``), and every value a task sees has passed its
param's schema. The same classes are rebuilt from the serialized DAG, so the webserver
validates a trigger's conf without importing the DAG file.
"""

from __future__ import annotations

import copy
import functools
import json
import warnings
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from tradewind.exceptions import ParamValidationError


class _NoDefault:
    """The default of a Param that has none: the value must come from the trigger's conf."""

    def __repr__(self) -> str:
        return "NOTSET"


NOTSET: Any = _NoDefault()

# Keywords a Param may carry besides JSON Schema's own: Airflow's trigger form reads them.
_FORM_KEYWORDS = frozenset({"values_display", "description_md"})
# Airflow form features this trigger form does not offer; accepted, but said so.
_UNSHOWN_FORM_KEYWORDS = frozenset({"section", "custom_html_form", "description_html"})
_ANNOTATION_KEYWORDS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "$comment",
        "$anchor",
        "$dynamicAnchor",
        "$vocabulary",
        "definitions",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
    }
)


class Param:
    """One param: a default (optional) and the JSON Schema a value must satisfy.

    ``Param(5, type="integer", minimum=1)``; every keyword besides ``default`` and
    ``description`` is a JSON Schema (Draft 2020-12) keyword, or ``schema={...}`` gives the
    whole schema. Without a default the param is required when a run is triggered.
    """

    def __init__(self, default: Any = NOTSET, description: str | None = None, **kwargs: Any):
        self.value = default
        self.description = description
        self.schema: dict[str, Any] = dict(kwargs.pop("schema") if "schema" in kwargs else kwargs)
        _check_schema(self.schema)
        _warn_of_unknown_keywords(self.schema)
        if self.has_value:
            _warn_if_not_json(default)

    @property
    def has_value(self) -> bool:
        """False for a required param (no default)."""
        return self.value is not NOTSET

    def __repr__(self) -> str:
        return f"Param({self.value!r}, schema={self.schema!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Param):
            return NotImplemented
        return (self.value, self.description, self.schema) == (
            other.value,
            other.description,
            other.schema,
        )

    __hash__ = None  # type: ignore[assignment]

    def resolve(self, value: Any = NOTSET, suppress_exception: bool = False) -> Any:
        """``value`` (or the default when NOTSET) once it satisfies the schema.

        Raises :class:`ParamValidationError` saying what is wrong, or returns ``None``
        instead when ``suppress_exception``.
        """
        final = self.value if value is NOTSET else value
        if final is NOTSET:
            if suppress_exception:
                return None
            raise ParamValidationError("No value passed and Param has no default value")
        problem = self.problem_with(final)
        if problem is not None:
            if suppress_exception:
                return None
            raise ParamValidationError(problem)
        return final

    def problem_with(self, value: Any) -> str | None:
        """What is wrong with ``value`` against the schema, in one line; None when valid."""
        if not self.schema:  # a plain value's param: anything goes, no need for jsonschema
            return None
        from jsonschema.exceptions import best_match

        error = best_match(_validator(self.schema).iter_errors(value))
        if error is None:
            return None
        where = "".join(f"[{part!r}]" for part in error.absolute_path)
        return f"{error.message} (at {where})" if where else error.message

    def with_value(self, value: Any) -> Param:
        """A copy whose default is ``value``; the original (maybe shared) is left alone."""
        twin = copy.copy(self)
        twin.value = value
        return twin

    def dump(self) -> dict[str, Any]:
        """Airflow's dict form: value, description and schema."""
        return {"value": self.resolve(suppress_exception=True), **self.serialize()}

    def serialize(self) -> dict[str, Any]:
        """The JSON form kept in the serialized DAG (``default`` absent when required)."""
        shown: dict[str, Any] = {"description": self.description, "schema": self.schema}
        if self.has_value:
            shown["default"] = self.value
        return shown

    @classmethod
    def deserialize(cls, data: Mapping[str, Any]) -> Param:
        """Rebuilt from the serialized DAG: checked and warned about when it was parsed."""
        param = cls.__new__(cls)
        param.value = data.get("default", NOTSET)
        param.description = data.get("description")
        param.schema = dict(data.get("schema") or {})
        return param


class ParamsDict(MutableMapping[str, Any]):
    """Params by name; reading an item gives its value, checked against its schema.

    Setting a plain value over an existing :class:`Param` validates it against that param
    (that is how a run's conf overrides defaults); setting a :class:`Param` replaces it.
    """

    def __init__(
        self, dict_obj: Mapping[str, Any] | None = None, suppress_exception: bool = False
    ) -> None:
        self._params: dict[str, Param] = {}
        self.suppress_exception = suppress_exception
        if isinstance(dict_obj, ParamsDict):
            self._params.update(dict_obj._params)
        else:
            for key, value in (dict_obj or {}).items():
                self._params[key] = value if isinstance(value, Param) else Param(value)

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, Param):
            self._params[key] = value
            return
        param = self._params.get(key)
        if param is None:
            self._params[key] = Param(value)
            return
        try:
            param.resolve(value, suppress_exception=self.suppress_exception)
        except ParamValidationError as exc:
            raise ParamValidationError(f"Invalid input for param {key}: {exc}") from None
        self._params[key] = param.with_value(value)

    def __getitem__(self, key: str) -> Any:
        param = self._params[key]
        try:
            return param.resolve(suppress_exception=self.suppress_exception)
        except ParamValidationError as exc:
            raise ParamValidationError(f"Invalid input for param {key}: {exc}") from None

    def __delitem__(self, key: str) -> None:
        del self._params[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __contains__(self, key: object) -> bool:
        return key in self._params

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ParamsDict):
            return self._params == other._params
        if isinstance(other, Mapping):
            return self.dump() == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self.dump())

    def __copy__(self) -> ParamsDict:
        return ParamsDict(self, self.suppress_exception)

    def __deepcopy__(self, memo: dict[int, Any]) -> ParamsDict:
        twin = ParamsDict(suppress_exception=self.suppress_exception)
        twin._params = copy.deepcopy(self._params, memo)
        return twin

    def copy(self) -> ParamsDict:
        return self.__copy__()

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        """Merge params or values in; a ParamsDict brings its Param objects along."""
        if isinstance(other, ParamsDict):
            self._params.update(other._params)
            other = ()
        super().update(other, **kwargs)

    def get_param(self, key: str) -> Param:
        """The :class:`Param` itself (schema and all), not its value."""
        return self._params[key]

    def params(self) -> dict[str, Param]:
        """Every :class:`Param` by name, in definition order."""
        return dict(self._params)

    def dump(self) -> dict[str, Any]:
        """Each param's value, ``None`` where it has none or it is invalid."""
        return {key: param.resolve(suppress_exception=True) for key, param in self._params.items()}

    def validate(self) -> dict[str, Any]:
        """Each param's value; the first invalid or missing one raises, naming it."""
        resolved: dict[str, Any] = {}
        for key, param in self._params.items():
            try:
                resolved[key] = param.resolve(suppress_exception=self.suppress_exception)
            except ParamValidationError as exc:
                raise ParamValidationError(f"Invalid input for param {key}: {exc}") from None
        return resolved

    def resolve_conf(self, conf: Mapping[str, Any] | None) -> dict[str, Any]:
        """The values a run triggered with ``conf`` would see; raises naming a bad param.

        Conf keys that are not params pass through unchecked, as in Airflow.
        """
        merged = ParamsDict(self)
        merged.update(conf or {})
        return merged.validate()

    def serialize(self) -> list[list[Any]]:
        """``[[name, param], ...]``: a list, so the form keeps the definition order."""
        return [[key, param.serialize()] for key, param in self._params.items()]

    @classmethod
    def deserialize(cls, data: Any, suppress_exception: bool = False) -> ParamsDict:
        """Read :meth:`serialize`'s list (or an older plain ``{name: value}`` dict)."""
        params = cls(suppress_exception=suppress_exception)
        if isinstance(data, Mapping):
            items = list(data.items())
        else:
            items = [(key, Param.deserialize(spec)) for key, spec in data or []]
        for key, value in items:
            params[key] = value
        return params


def schema_types(schema: Mapping[str, Any]) -> list[Any]:
    """The schema's ``type`` as a list (``"integer"`` or ``["null", "integer"]``)."""
    kind = schema.get("type", [])
    return kind if isinstance(kind, list) else [kind]


# jsonschema is imported where it is needed, not with this module: importing it costs
# hundreds of milliseconds, which every DAG file with only plain params would pay.


def _check_schema(schema: dict[str, Any]) -> None:
    """A schema that is not one (``type="int"``) is the DAG author's error, said at parse."""
    if not schema:
        return
    from jsonschema import SchemaError
    from jsonschema.validators import Draft202012Validator, validator_for

    cls = validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        raise ParamValidationError(
            f"Param has an invalid JSON schema {schema!r}: {exc.message}"
        ) from None


def _validator(schema: dict[str, Any]) -> Any:
    """A validator for ``schema`` (Draft 2020-12 unless ``$schema`` says), formats checked
    as Airflow checks them (``format="date"``, ``"idn-email"``...)."""
    from jsonschema.validators import Draft202012Validator, validator_for

    cls = validator_for(schema, default=Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _warn_of_unknown_keywords(schema: Mapping[str, Any]) -> None:
    """A misspelt keyword (``minimun``) would silently check nothing: say so."""
    if not schema:
        return
    known = _known_keywords()
    unknown = sorted(key for key in schema if key not in known)
    if unknown:
        warnings.warn(
            f"Param keywords {unknown} are not JSON Schema keywords: they are kept but "
            "check nothing",
            UserWarning,
            stacklevel=4,
        )
    unshown = sorted(key for key in schema if key in _UNSHOWN_FORM_KEYWORDS)
    if unshown:
        warnings.warn(
            f"Param keywords {unshown} are accepted but ignored by Tradewind's trigger form",
            UserWarning,
            stacklevel=4,
        )


@functools.cache
def _known_keywords() -> frozenset[str]:
    from jsonschema.validators import Draft202012Validator

    validating = frozenset(Draft202012Validator.VALIDATORS)
    return validating | _ANNOTATION_KEYWORDS | _FORM_KEYWORDS | _UNSHOWN_FORM_KEYWORDS


def _warn_if_not_json(value: Any) -> None:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        warnings.warn(
            f"Param default {value!r} is not JSON-serializable: the webserver and the trigger "
            "form see it as a string (Airflow deprecates such params too)",
            UserWarning,
            stacklevel=4,
        )
