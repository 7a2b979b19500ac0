"""A trigger rebuilt from its row: import ``classpath``, call it with the decoded kwargs."""

from __future__ import annotations

import importlib
import json

from tradewind.authoring.triggers.base import BaseTrigger
from tradewind.authoring.triggers.serde import decode


class TriggerLoadError(Exception):
    """The trigger's class cannot be imported or rebuilt; the message says why."""


def load_trigger(classpath: str, kwargs_json: str) -> BaseTrigger:
    module_name, _, class_name = classpath.rpartition(".")
    if not module_name:
        raise TriggerLoadError(f"trigger classpath {classpath!r} is not 'module.ClassName'")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise TriggerLoadError(
            f"cannot import module {module_name!r} of trigger {classpath}: {exc} (is it in "
            "the DAG folder or an installed package, not inside a DAG file?)"
        ) from exc
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseTrigger)):
        raise TriggerLoadError(f"{classpath} is not a BaseTrigger subclass")
    kwargs = decode(json.loads(kwargs_json))
    try:
        return cls(**kwargs)
    except Exception as exc:
        raise TriggerLoadError(f"{classpath}(**{kwargs!r}) raised {exc!r}") from exc
