"""``airflow.configuration.conf``: Airflow's config accessors over Tradewind's loaded Config.

Read-only: a DAG file may look a value up, never change the configuration of the process
that imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradewind.config import Config
from tradewind.exceptions import ConfigError

_NO_FALLBACK: Any = object()


class AirflowConfigView:
    """Airflow's ``conf.get``, ``getboolean``, ``getint``, ``getfloat`` and ``has_option``."""

    def __init__(self, config: Config) -> None:
        self._config = config

    def get(self, section: str, key: str, fallback: Any = _NO_FALLBACK, **_: Any) -> Any:
        """The value as a string (Airflow's ``get``); ``fallback`` if the key is unknown."""
        value = self._typed(section, key, fallback)
        if value is fallback and fallback is not _NO_FALLBACK:
            return value
        return "" if value is None else str(value)

    def getboolean(self, section: str, key: str, fallback: Any = _NO_FALLBACK, **_: Any) -> Any:
        return self._converted(section, key, fallback, _as_bool, "a boolean")

    def getint(self, section: str, key: str, fallback: Any = _NO_FALLBACK, **_: Any) -> Any:
        return self._converted(section, key, fallback, int, "an integer")

    def getfloat(self, section: str, key: str, fallback: Any = _NO_FALLBACK, **_: Any) -> Any:
        return self._converted(section, key, fallback, float, "a number")

    def has_option(self, section: str, key: str) -> bool:
        try:
            self._config.get(section.lower(), key.lower())
        except ConfigError:
            return False
        return True

    def _converted(
        self, section: str, key: str, fallback: Any, convert: Callable[[Any], Any], kind: str
    ) -> Any:
        value = self._typed(section, key, fallback)
        if value is fallback and fallback is not _NO_FALLBACK:
            return value
        try:
            return convert(value)
        except ValueError:
            raise ConfigError(f"[{section}] {key} = {value!r} is not {kind}") from None

    def _typed(self, section: str, key: str, fallback: Any) -> Any:
        try:
            return self._config.get(section.lower(), key.lower())
        except ConfigError:
            if fallback is _NO_FALLBACK:
                raise
            return fallback


def _as_bool(value: Any) -> bool:
    """Airflow's boolean spellings (any case): true/false, t/f, 1/0, yes/no, on/off."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "t", "1", "yes", "y", "on"}:
        return True
    if text in {"false", "f", "0", "no", "n", "off", ""}:
        return False
    raise ValueError(text)
