"""Configuration: read once, typed, passed down.

Values come from three places, later ones winning: the built-in defaults below, the
``tradewind.cfg`` file in ``TRADEWIND_HOME`` and environment variables named
``TRADEWIND__<SECTION>__<KEY>``. This is the only module that reads the environment;
everything else receives a :class:`Config`.

Section and key names follow Airflow's, so an Airflow user finds ``[core] dags_folder``
or ``[api] auth_backend`` where they expect them.
"""

from __future__ import annotations

import configparser
import json
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradewind.exceptions import ConfigError

ENV_PREFIX = "TRADEWIND__"
# Variables and connections set in the environment (read here, once, like every other
# variable; ``tradewind.db.secrets_store`` decides which of them count).
SECRET_ENV_PREFIXES = ("TRADEWIND_VAR_", "TRADEWIND_CONN_", "AIRFLOW_VAR_", "AIRFLOW_CONN_")
CONFIG_FILE_NAME = "tradewind.cfg"


@dataclass(frozen=True)
class Option:
    """One configuration key: its type, default and a line of help for the written file."""

    kind: str  # "str" | "int" | "float" | "bool" | "optional bool" (None when empty)
    default: str
    help: str


def _opt(kind: str, default: str, help: str) -> Option:
    return Option(kind, default, help)


# ``{TRADEWIND_HOME}`` in a default is replaced by the home folder when read.
OPTIONS: dict[str, dict[str, Option]] = {
    "core": {
        "dags_folder": _opt("str", "{TRADEWIND_HOME}/dags", "Folder scanned for DAG files."),
        "plugins_folder": _opt(
            "str",
            "{TRADEWIND_HOME}/plugins",
            "Folder of plugin modules (users' timetables); on sys.path where DAG files run.",
        ),
        "executor": _opt(
            "str", "LocalExecutor", "SequentialExecutor, LocalExecutor or CeleryExecutor."
        ),
        "parallelism": _opt("int", "32", "Task instances running at once, across all DAGs."),
        "max_active_tasks_per_dag": _opt("int", "16", "Default max_active_tasks of a DAG."),
        "max_active_runs_per_dag": _opt("int", "16", "Default max_active_runs of a DAG."),
        "load_examples": _opt("bool", "True", "Show the example DAGs shipped with Tradewind."),
        "dags_are_paused_at_creation": _opt("bool", "True", "New DAGs start paused."),
        "dagbag_import_timeout": _opt(
            "float", "30", "Seconds one DAG file may take to import before it is an error."
        ),
        "parsing_processes": _opt("int", "2", "Processes that import DAG files in parallel."),
        "task_niceness": _opt(
            "int",
            "10",
            "Niceness added to task processes, so a busy machine still schedules; 0 for none.",
        ),
        "hostname": _opt(
            "str", "", "Name recorded on task instances; empty means the machine's FQDN."
        ),
        "shutdown_grace": _opt(
            "float",
            "20",
            "Seconds a stopped (SIGTERM) scheduler, standalone, webserver or Celery worker "
            "takes to exit: running tries get this long to finish, then are killed and "
            "failed or retried.",
        ),
        "dag_run_conf_overrides_params": _opt(
            "bool",
            "True",
            "A triggered run's conf overrides the DAG's params (validated against them); "
            "False makes params constants.",
        ),
        "max_map_length": _opt(
            "int",
            "1024",
            "Most task instances one mapped task may expand to; a longer input fails the "
            "task that pushed it (or the mapped task, for a literal list).",
        ),
        "airflow_compat": _opt(
            "bool",
            "False",
            "Serve `import airflow...` in DAG files from Tradewind's own modules (an import "
            "hook; off, a real Airflow installed beside Tradewind is left alone).",
        ),
        "test_connection": _opt(
            "str",
            "Disabled",
            "Enabled lets API users test a connection (POST /api/v1/connections/test reaches "
            "the host it names, from the webserver); Disabled (or Hidden) answers 403.",
        ),
        "fernet_key": _opt(
            "str",
            "",
            "Fernet key(s) encrypting variable values and connection passwords and extras at "
            "rest; comma-separated, the first encrypts (see `tradewind rotate-fernet-key`). "
            "Generated into a new tradewind.cfg; empty stores them as plaintext.",
        ),
    },
    "database": {
        "sql_alchemy_conn": _opt(
            "str",
            "sqlite:///{TRADEWIND_HOME}/tradewind.db",
            "SQLAlchemy URL of the metadata database (sqlite:/// or postgresql+psycopg://).",
        ),
        "sql_alchemy_pool_size": _opt("int", "5", "Connections kept open (PostgreSQL)."),
        "sqlite_busy_timeout": _opt(
            "float", "30", "Seconds a SQLite writer waits for the lock before failing."
        ),
        "sql_alchemy_connect_timeout": _opt(
            "int",
            "3",
            "Seconds to wait for a PostgreSQL connection (connecting, or a free pooled one) "
            "before giving up, so a database outage fails requests fast instead of hanging.",
        ),
    },
    "logging": {
        "base_log_folder": _opt("str", "{TRADEWIND_HOME}/logs", "Where task logs are written."),
        "logging_level": _opt("str", "INFO", "DEBUG, INFO, WARNING or ERROR."),
    },
    "api": {
        "auth_backend": _opt(
            "str",
            "tradewind.api.auth.backend.default",
            "Module authenticating API requests (default, deny_all, password_auth, kerberos_auth).",
        ),
        "maximum_page_limit": _opt(
            "int",
            "100",
            "A larger explicit `limit` on a list endpoint is lowered to this; no `limit` "
            "still lists everything on the experimental API, and means "
            "`fallback_page_limit` rows on /api/v1.",
        ),
        "fallback_page_limit": _opt(
            "int",
            "100",
            "Rows a /api/v1 list returns when the request gives no `limit` (or `limit=0`).",
        ),
    },
    "cli": {
        "api_client": _opt(
            "str",
            "tradewind.api.client.local_client",
            "local_client works on the database; json_client calls endpoint_url over HTTP.",
        ),
        "endpoint_url": _opt("str", "http://localhost:8080", "Webserver the json_client talks to."),
        "api_auth": _opt(
            "str",
            "",
            "Credentials json_client sends: none, basic or kerberos; empty means basic when "
            "api_username is set, else none.",
        ),
        "api_username": _opt("str", "", "User name for basic API auth."),
        "api_password": _opt(
            "str", "", "Password for basic API auth; prefer TRADEWIND__CLI__API_PASSWORD."
        ),
        "api_kerberos_service": _opt(
            "str",
            "",
            "Service of the webserver's principal for kerberos API auth (e.g. HTTP); empty "
            "means the service part of [kerberos] principal.",
        ),
    },
    "webserver": {
        "web_server_host": _opt("str", "0.0.0.0", "Address the webserver listens on."),
        "web_server_port": _opt("int", "8080", "Port the webserver listens on."),
        "workers": _opt("int", "2", "Webserver worker processes."),
        "base_url": _opt("str", "http://localhost:8080", "URL people use to reach the UI."),
        "secret_key": _opt("str", "", "Signs session cookies; generated on first use."),
        "authenticate": _opt(
            "optional bool",
            "",
            "Require a login for the web UI: True, False, or empty to require one whenever "
            "[api] auth_backend does (every backend but default).",
        ),
        "cookie_secure": _opt(
            "bool",
            "False",
            "Send the session cookie over HTTPS only; implied when base_url is https.",
        ),
        "expose_config": _opt(
            "str",
            "False",
            "Serve the configuration at /api/v1/config: True (secrets included), "
            "non-sensitive-only (secrets shown as '< hidden >') or False (403).",
        ),
        "login_failures_per_user": _opt(
            "int", "10", "Failed logins of one user name per window before it gets 429."
        ),
        "login_failures_per_address": _opt(
            "int", "100", "Failed logins from one client address per window before it gets 429."
        ),
        "login_failure_window": _opt(
            "float", "300", "Seconds over which failed logins (API and UI) are counted."
        ),
        "max_request_header_size": _opt(
            "int", "65536", "Bytes a request line and its headers may take (else 431)."
        ),
        "request_header_timeout": _opt(
            "float", "10", "Seconds a client has to send a request's headers (else 408)."
        ),
        "request_body_timeout": _opt(
            "float", "60", "Seconds a client has to send a request's body (else 408)."
        ),
        "keep_alive_timeout": _opt("int", "5", "Seconds an idle keep-alive connection stays open."),
        "worker_connections": _opt(
            "int", "1000", "Connections one worker serves at once; requests beyond get 503."
        ),
    },
    "kerberos": {
        "keytab": _opt("str", "{TRADEWIND_HOME}/tradewind.keytab", "Keytab of the service."),
        "principal": _opt(
            "str", "tradewind", "Service principal; `tradewind` means tradewind/<fqdn>@REALM."
        ),
        "ccache": _opt("str", "/tmp/tradewind_krb5_ccache", "Ticket cache kept fresh."),
        "reinit_frequency": _opt("int", "3600", "Seconds between ticket renewals."),
        "kinit_path": _opt("str", "kinit", "The MIT kinit program `tradewind kerberos` runs."),
    },
    "scheduler": {
        "job_heartbeat_sec": _opt("float", "5", "How often a running task heartbeats."),
        "scheduler_heartbeat_sec": _opt("float", "5", "How often the scheduler heartbeats."),
        "scheduler_health_check_threshold": _opt(
            "float", "30", "Seconds without a heartbeat before the scheduler counts as down."
        ),
        "scheduler_zombie_task_threshold": _opt(
            "float", "60", "Seconds without a task heartbeat before the task counts as dead."
        ),
        "task_queued_timeout": _opt(
            "float",
            "600",
            "Seconds a task may stay queued without starting before it is queued again.",
        ),
        "min_file_process_interval": _opt(
            "float", "30", "Seconds between re-parses of the DAG folder."
        ),
        "catchup_by_default": _opt(
            "bool",
            "True",
            "`catchup` of a DAG that does not set it; taken when its file is parsed.",
        ),
        "max_dagruns_to_create_per_loop": _opt("int", "10", "Runs created per DAG per loop."),
        "min_pass_interval": _opt(
            "float",
            "0",
            "Seconds between the end of a scheduler pass and the next one woken by new work "
            "(a trigger, finished tries); what comes meanwhile shares that pass. The first "
            "after a quiet spell starts at once. 0: every wake-up gets its pass as soon as "
            "the last one ended (lowest latency); a little more (0.01-0.05) saves passes "
            "on a busy installation.",
        ),
        "max_zygotes": _opt(
            "int",
            "32",
            "Warm processes (zygotes: one per DAG file, each has imported it) a runner host "
            "keeps for forking tries; past it, the one used longest ago exits once its tries "
            "end, and its file is imported again at its next try.",
        ),
        "zygote_idle_timeout": _opt(
            "float",
            "300",
            "Seconds a zygote with no try running stays warm before it exits.",
        ),
    },
    "smtp": {
        "smtp_host": _opt("str", "localhost", "SMTP server that email alerts are sent through."),
        "smtp_port": _opt("int", "25", "Its port."),
        "smtp_starttls": _opt("bool", "True", "Upgrade the connection with STARTTLS."),
        "smtp_ssl": _opt("bool", "False", "Connect with TLS from the start (SMTPS)."),
        "smtp_user": _opt("str", "", "User to log in as; empty: no login."),
        "smtp_password": _opt("str", "", "Password of smtp_user."),
        "smtp_mail_from": _opt("str", "tradewind@example.com", "The From address."),
        "smtp_timeout": _opt("float", "30", "Seconds to wait for the server."),
        "smtp_retry_limit": _opt(
            "int", "5", "Attempts when the server drops the connection as it opens."
        ),
    },
    "triggerer": {
        "capacity": _opt("int", "1000", "Triggers one triggerer runs at once."),
        "job_heartbeat_sec": _opt(
            "float", "5", "How often a triggerer heartbeats (and looks for new triggers)."
        ),
        "triggerer_health_check_threshold": _opt(
            "float",
            "30",
            "Seconds without a heartbeat before a triggerer counts as down and its triggers "
            "go to another.",
        ),
        "standalone_in_webserver": _opt(
            "bool",
            "True",
            "`tradewind standalone` runs the triggerer in a thread of its webserver process "
            "(about 20 MiB less) instead of a process of its own.",
        ),
    },
    "metrics": {
        "prometheus_on": _opt(
            "bool",
            "True",
            "Count events for GET /metrics (files under <home>/prometheus); off, it serves "
            "only the gauges read from the database.",
        ),
        "statsd_on": _opt(
            "bool", "False", "Send metrics to StatsD too (UDP), with Airflow's metric names."
        ),
        "statsd_host": _opt("str", "localhost", "StatsD server metrics are sent to."),
        "statsd_port": _opt("int", "8125", "Its UDP port."),
        "statsd_prefix": _opt(
            "str",
            "",
            "Prefix of every StatsD name; empty means tradewind, or airflow when "
            "[core] airflow_compat is on (so Airflow dashboards keep working).",
        ),
        "public": _opt(
            "bool",
            "False",
            "Serve GET /metrics without authentication (else it takes the API's credentials).",
        ),
    },
    "celery": {
        "broker_url": _opt("str", "redis://127.0.0.1:6379/0", "Celery broker."),
        "result_backend": _opt("str", "redis://127.0.0.1:6379/1", "Celery result backend."),
        "worker_concurrency": _opt("int", "16", "Tasks one worker runs at once."),
        "default_queue": _opt("str", "default", "Queue of tasks that name none."),
        "operation_timeout": _opt(
            "float", "1.0", "Seconds to wait for the broker before trying again later."
        ),
    },
}


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"true", "1", "yes", "on"}:
        return True
    if lowered in {"false", "0", "no", "off"}:
        return False
    raise ValueError("expected true or false")


_PARSERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "str": (str, "a string"),
    "int": (lambda raw: int(raw.strip()), "an integer"),
    "float": (lambda raw: float(raw.strip()), "a number"),
    "bool": (_parse_bool, "true or false"),
    "optional bool": (
        lambda raw: _parse_bool(raw) if raw.strip() else None,
        "true, false or empty",
    ),
}


class Config:
    """Typed, read-only view of the merged configuration.

    ``get`` returns the parsed value; ``source`` says where it came from, so errors and
    ``tradewind config list`` can tell a person which file or variable to fix.
    """

    def __init__(
        self,
        home: Path,
        raw: dict[tuple[str, str], tuple[str, str]],
        secret_environment: Mapping[str, str] | None = None,
    ) -> None:
        self.home = home
        self._raw = raw
        # ``TRADEWIND_VAR_*``/``TRADEWIND_CONN_*`` (and ``AIRFLOW_*``) as they were at load.
        self.secret_environment: dict[str, str] = dict(secret_environment or {})
        self._values: dict[tuple[str, str], Any] = {}
        for (section, key), (value, source) in raw.items():
            self._values[section, key] = _parse(section, key, value, source, home)

    def get(self, section: str, key: str) -> Any:
        _check_known(section, key)
        return self._values[section, key]

    def source(self, section: str, key: str) -> str:
        _check_known(section, key)
        return self._raw[section, key][1]

    def items(self) -> Iterator[tuple[str, str, Any, str]]:
        """Every (section, key, value, source), in the order of :data:`OPTIONS`."""
        for section, options in OPTIONS.items():
            for key in options:
                yield section, key, self._values[section, key], self._raw[section, key][1]

    def to_json(self) -> str:
        """The whole configuration, for a process that must see exactly this one."""
        raw = [
            [section, key, value, source] for (section, key), (value, source) in self._raw.items()
        ]
        return json.dumps(
            {"home": str(self.home), "raw": raw, "secret_environment": self.secret_environment}
        )

    @classmethod
    def from_json(cls, text: str) -> Config:
        data = json.loads(text)
        raw = {(section, key): (value, source) for section, key, value, source in data["raw"]}
        return cls(Path(data["home"]), raw, data.get("secret_environment"))

    def with_overrides(self, overrides: Mapping[tuple[str, str], str]) -> Config:
        """A copy with some values replaced (used by tests and ``standalone``)."""
        raw = dict(self._raw)
        for (section, key), value in overrides.items():
            _check_known(section, key)
            raw[section, key] = (value, "override")
        return Config(self.home, raw, self.secret_environment)

    # Shortcuts for the values nearly every component needs.
    @property
    def dags_folder(self) -> Path:
        return Path(self.get("core", "dags_folder")).expanduser()

    @property
    def sql_alchemy_conn(self) -> str:
        return str(self.get("database", "sql_alchemy_conn"))

    @property
    def base_log_folder(self) -> Path:
        return Path(self.get("logging", "base_log_folder")).expanduser()


def _check_known(section: str, key: str) -> None:
    if section not in OPTIONS:
        known = ", ".join(OPTIONS)
        raise ConfigError(f"Unknown config section [{section}]. Known sections: {known}.")
    if key not in OPTIONS[section]:
        known = ", ".join(OPTIONS[section])
        raise ConfigError(f"Unknown config key [{section}] {key}. Keys of [{section}]: {known}.")


def _parse(section: str, key: str, value: str, source: str, home: Path) -> Any:
    option = OPTIONS[section][key]
    parser, expected = _PARSERS[option.kind]
    text = value.replace("{TRADEWIND_HOME}", str(home))
    try:
        return parser(text)
    except ValueError:
        raise ConfigError(
            f"Invalid value {value!r} for [{section}] {key} (from {source}): expected {expected}."
        ) from None


def default_home(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("TRADEWIND_HOME") or "~/tradewind").expanduser()


def load_config(environ: Mapping[str, str] | None = None, *, write_file: bool = True) -> Config:
    """Merge defaults, ``$TRADEWIND_HOME/tradewind.cfg`` and ``TRADEWIND__S__K`` variables.

    On first use the home folder is created and the file written with every key commented
    out at its default, so a person can see what is there to change.
    """
    env = os.environ if environ is None else environ
    home = default_home(env)
    path = home / CONFIG_FILE_NAME
    if write_file and not path.exists():
        write_default_config(path)

    raw: dict[tuple[str, str], tuple[str, str]] = {
        (section, key): (option.default, "default")
        for section, options in OPTIONS.items()
        for key, option in options.items()
    }
    if path.exists():
        for section, key, value in _read_file(path):
            raw[section, key] = (value, str(path))
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].split("__")
        if len(parts) != 2:
            raise ConfigError(
                f"Environment variable {name} does not name a key: "
                f"use {ENV_PREFIX}<SECTION>__<KEY>."
            )
        section, key = parts[0].lower(), parts[1].lower()
        try:
            _check_known(section, key)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (from environment variable {name})") from None
        raw[section, key] = (value, f"environment variable {name}")
    secret_env = {
        name: value for name, value in env.items() if name.startswith(SECRET_ENV_PREFIXES)
    }
    return Config(home, raw, secret_env)


def _read_file(path: Path) -> Iterator[tuple[str, str, str]]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from None
    for section in parser.sections():
        for key, value in parser.items(section):
            try:
                _check_known(section, key)
            except ConfigError as exc:
                raise ConfigError(f"{exc} (in {path})") from None
            yield section, key, value


def write_default_config(path: Path) -> None:
    """Write the commented default file; a fresh random ``secret_key`` is filled in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Tradewind configuration. Every key shows its default, commented out.",
        "# Any key can also be set with the environment variable TRADEWIND__<SECTION>__<KEY>.",
        "",
    ]
    for section, options in OPTIONS.items():
        lines.append(f"[{section}]")
        for key, option in options.items():
            lines.append(f"# {option.help}")
            if (section, key) == ("webserver", "secret_key"):
                lines.append(f"{key} = {secrets.token_urlsafe(32)}")
            elif (section, key) == ("core", "fernet_key"):
                lines.append(f"{key} = {_new_fernet_key()}")
            else:
                lines.append(f"# {key} = {option.default}")
        lines.append("")
    # It holds the secret key: readable by its owner only, from the moment it exists.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def _new_fernet_key() -> str:
    """A Fernet key (32 random bytes, URL-safe base64), as Airflow writes into a new file."""
    import base64

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
