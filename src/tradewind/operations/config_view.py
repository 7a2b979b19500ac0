"""The configuration as the API shows it: every key's value, secrets hidden on request.

``[webserver] expose_config`` decides: ``True`` shows everything (as Airflow does),
``non-sensitive-only`` writes ``< hidden >`` for the keys that hold credentials, and
``False`` refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tradewind.config import OPTIONS, Config
from tradewind.exceptions import ConfigError, NotFound

HIDDEN = "< hidden >"
# Keys whose values are credentials, or URLs that may hold a password.
SENSITIVE = frozenset(
    {
        ("core", "fernet_key"),
        ("database", "sql_alchemy_conn"),
        ("webserver", "secret_key"),
        ("smtp", "smtp_password"),
        ("cli", "api_password"),
        ("celery", "broker_url"),
        ("celery", "result_backend"),
    }
)


class Exposure(Enum):
    NONE = "none"
    NON_SENSITIVE = "non-sensitive-only"
    ALL = "all"


@dataclass(frozen=True)
class Section:
    name: str
    options: list[tuple[str, str]]


class ConfigSectionNotFound(NotFound):
    pass


def exposure(config: Config) -> Exposure:
    raw = str(config.get("webserver", "expose_config")).strip().lower()
    if raw == "non-sensitive-only":
        return Exposure.NON_SENSITIVE
    if raw in {"true", "1", "yes", "on"}:
        return Exposure.ALL
    if raw in {"false", "0", "no", "off", ""}:
        return Exposure.NONE
    raise ConfigError(
        f"Invalid value {raw!r} for [webserver] expose_config "
        f"(from {config.source('webserver', 'expose_config')}): "
        "expected True, False or non-sensitive-only."
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def sections(config: Config, *, hide_sensitive: bool, only: str | None = None) -> list[Section]:
    """Every section (or only ``only``) with its keys' values, in the documented order."""
    if only is not None and only not in OPTIONS:
        raise ConfigSectionNotFound(f"section={only} not found.")
    shown: dict[str, list[tuple[str, str]]] = {}
    for section, key, value, _source in config.items():
        if only is not None and section != only:
            continue
        hidden = hide_sensitive and (section, key) in SENSITIVE
        shown.setdefault(section, []).append((key, HIDDEN if hidden else _text(value)))
    return [Section(name, options) for name, options in shown.items()]


def option(config: Config, section: str, key: str) -> Section:
    """One key, as a one-option section; a credential is always ``< hidden >`` here, as in
    Airflow's endpoint for a single option."""
    if section not in OPTIONS or key not in OPTIONS[section]:
        raise ConfigSectionNotFound(f"The option [{section}/{key}] is not found in config.")
    value = HIDDEN if (section, key) in SENSITIVE else _text(config.get(section, key))
    return Section(section, [(key, value)])
