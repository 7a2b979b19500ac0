"""``AirflowPlugin``: how a module in the plugins folder declares what it adds.

Tradewind reads one kind of plugin content, ``timetables``: the timetable classes a plugin
lists. As in Airflow, a DAG file imports the class itself (``[core] plugins_folder`` is on
``sys.path`` wherever DAG files run); declaring it in a plugin tells the DAG processor the
class is meant to be a timetable, and one that is not declared gets a parse-time warning
(Airflow refuses to serialize it). The scheduler never imports plugins: it replays the runs
the DAG processor planned with the class.
"""

from __future__ import annotations

from typing import Any, ClassVar

#: Every plugin class defined so far in this process, in definition order.
_PLUGINS: list[type[AirflowPlugin]] = []


class AirflowPlugin:
    """Subclass it in a plugins-folder module: ``name = "..."``, ``timetables = [...]``.

    Airflow's other plugin attributes (``macros``, ``flask_blueprints``...) may be set; only
    ``timetables`` is read here.
    """

    name: ClassVar[str] = ""
    timetables: ClassVar[list[type[Any]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not isinstance(cls.name, str) or not cls.name:
            raise ValueError(f"plugin class {cls.__qualname__} must set a non-empty `name`")
        _PLUGINS.append(cls)

    @classmethod
    def validate(cls) -> None:
        """Airflow's hook; kept so plugins that call it keep working."""


def registered_timetables() -> set[type[Any]]:
    """The timetable classes the plugins imported in this process declare."""
    return {timetable for plugin in _PLUGINS for timetable in plugin.timetables}
