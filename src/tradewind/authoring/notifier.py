"""BaseNotifier: a reusable callback object (Airflow 2.6+'s notifier classes).

A subclass implements :meth:`BaseNotifier.notify`; an instance is passed wherever a
callback is accepted (``on_failure_callback=MyNotifier(channel="#ops")``). Its
``template_fields`` are rendered with the callback's context first, like an operator's.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from tradewind.authoring.templating import build_jinja_env, render_template


class BaseNotifier:
    """Subclass and implement :meth:`notify`; instances are callables taking the context."""

    #: Attribute names rendered with Jinja and the context before :meth:`notify`.
    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()

    def notify(self, context: Mapping[str, Any]) -> None:
        """Send the notification."""
        raise NotImplementedError(f"{type(self).__name__} does not implement notify()")

    def render_template_fields(self, context: Mapping[str, Any]) -> None:
        """Render every ``template_fields`` attribute in place."""
        env = build_jinja_env(context.get("dag"))
        for field in self.template_fields:
            value = getattr(self, field)
            setattr(self, field, render_template(value, context, env, self.template_ext))

    def __call__(self, *args: Any) -> None:
        """Airflow calls a task notifier with the context; a DAG's may get more arguments."""
        context: Mapping[str, Any] = args[0] if args else {}
        rendered = copy.copy(self)  # keep the templates for the next call
        rendered.render_template_fields(context)
        rendered.notify(context)
