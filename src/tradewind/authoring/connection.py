"""A connection: where an outside system is and how to log in to it.

The fields and both text forms are Airflow's: the URI form
``postgresql://user:pw@host:5432/db?sslmode=require`` (query parameters become ``extra``;
``__extra__`` carries a JSON extra) and the JSON form ``{"conn_type": ..., "host": ...}``,
either of which ``TRADEWIND_CONN_<ID>`` may hold. Nothing here touches the database:
:meth:`Connection.get_connection_from_secrets` asks the runtime interface.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from tradewind.exceptions import BadRequest

# Airflow stores ``postgresql://`` URIs with the conn_type ``postgres``.
_SCHEME_ALIASES = {"postgresql": "postgres"}
FIELDS = ("conn_type", "description", "host", "schema", "login", "password", "port", "extra")


class InvalidConnection(BadRequest, ValueError):
    """A connection URI or JSON that cannot be read; the message says which part."""


@dataclass(init=False, repr=False)
class Connection:
    """One connection's fields; ``extra`` is the JSON text (``extra_dejson`` its dict)."""

    conn_id: str | None = None
    conn_type: str | None = None
    description: str | None = None
    host: str | None = None
    schema: str | None = None
    login: str | None = None
    password: str | None = None
    port: int | None = None
    extra: str | None = None

    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | str | None = None,
        extra: str | dict[str, Any] | None = None,
        uri: str | None = None,
    ) -> None:
        self.conn_id = conn_id
        self.description = description
        if uri is not None:
            if any(v is not None for v in (conn_type, host, login, password, schema, port, extra)):
                raise InvalidConnection("give a connection either a uri or its fields, not both")
            parsed = Connection.from_uri(uri, conn_id=conn_id)
            conn_type, host, login, password = (
                parsed.conn_type,
                parsed.host,
                parsed.login,
                parsed.password,
            )
            schema, port, extra = parsed.schema, parsed.port, parsed.extra
        self.conn_type = conn_type
        self.host = host
        self.login = login
        self.password = password
        self.schema = schema
        self.port = _port(port)
        self.extra = _extra_text(extra)

    # --- reading the two text forms --------------------------------------------------------

    @classmethod
    def from_uri(cls, uri: str, conn_id: str | None = None) -> Connection:
        """Airflow's URI form: ``type://login:password@host:port/schema?extra=...``."""
        if "://" not in uri:
            raise InvalidConnection(
                f"connection URI {uri!r} has no scheme: write it as type://login:password@host"
            )
        parts = urlsplit(uri)
        conn_type = parts.scheme.replace("-", "_")
        conn_type = _SCHEME_ALIASES.get(conn_type, conn_type)
        try:
            port = parts.port
        except ValueError:
            raise InvalidConnection(
                f"connection URI {uri!r} has a port that is not a number"
            ) from None
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if "__extra__" in query:
            extra: str | dict[str, Any] | None = query["__extra__"]
        else:
            extra = query or None
        return cls(
            conn_id=conn_id,
            conn_type=conn_type or None,
            host=unquote(parts.hostname) if parts.hostname else None,
            login=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            schema=unquote(parts.path[1:]) if parts.path[1:] else None,
            port=port,
            extra=extra,
        )

    @classmethod
    def from_json(cls, text: str | dict[str, Any], conn_id: str | None = None) -> Connection:
        """Airflow's JSON form: an object with some of the fields (``extra`` may be an object)."""
        try:
            data = json.loads(text) if isinstance(text, str) else dict(text)
        except ValueError as exc:
            raise InvalidConnection(f"connection JSON is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InvalidConnection("connection JSON must be an object of its fields")
        unknown = sorted(set(data) - set(FIELDS) - {"conn_id", "uri"})
        if unknown:
            raise InvalidConnection(
                f"connection JSON has unknown field(s) {', '.join(unknown)}; "
                f"known: {', '.join(FIELDS)}"
            )
        if data.get("uri") is not None:
            others = [k for k in FIELDS if k != "description" and data.get(k) is not None]
            if others:
                raise InvalidConnection(
                    f"give a connection either a uri or its fields, not both ({', '.join(others)})"
                )
            if not isinstance(data["uri"], str):
                raise InvalidConnection("connection uri must be a string")
            connection = cls.from_uri(data["uri"], conn_id=conn_id or data.get("conn_id"))
            connection.description = data.get("description")
            return connection
        fields = {key: data.get(key) for key in FIELDS}
        return cls(conn_id=conn_id or data.get("conn_id"), **fields)

    @classmethod
    def from_text(cls, text: str, conn_id: str | None = None) -> Connection:
        """An environment variable's value: the JSON form if it starts with ``{``, else a URI."""
        if text.lstrip().startswith("{"):
            return cls.from_json(text, conn_id=conn_id)
        return cls.from_uri(text.strip(), conn_id=conn_id)

    # --- writing them ----------------------------------------------------------------------

    def get_uri(self) -> str:
        """The URI form; an extra that is not all strings travels as ``__extra__`` JSON."""
        uri = f"{(self.conn_type or '').lower().replace('_', '-')}://"
        credentials = ""
        if self.login is not None:
            credentials = quote(self.login, safe="")
        if self.password is not None:
            credentials += ":" + quote(self.password, safe="")
        if credentials:
            uri += credentials + "@"
        if self.host:
            uri += quote(self.host, safe="")
        if self.port is not None:
            uri += f":{self.port}"
        if self.schema:
            uri += "/" + quote(self.schema, safe="")
        extra = self.extra_dejson
        if extra:
            if all(isinstance(value, str) for value in extra.values()):
                uri += "?" + urlencode(extra)
            else:
                uri += "?" + urlencode({"__extra__": json.dumps(extra)})
        return uri

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``extra`` as an object), as ``connections export`` writes it."""
        return {
            "conn_type": self.conn_type,
            "description": self.description,
            "host": self.host,
            "login": self.login,
            "password": self.password,
            "schema": self.schema,
            "port": self.port,
            "extra": self.extra_dejson or None,
        }

    @property
    def extra_dejson(self) -> dict[str, Any]:
        """``extra`` as a dict (empty when there is none or it is not a JSON object)."""
        if not self.extra:
            return {}
        try:
            value = json.loads(self.extra)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def get_extra(self) -> str | None:
        return self.extra

    def get_password(self) -> str | None:
        return self.password

    def __repr__(self) -> str:
        return (
            f"Connection(conn_id={self.conn_id!r}, conn_type={self.conn_type!r}, "
            f"host={self.host!r})"
        )

    # --- the runtime ---------------------------------------------------------------------

    @classmethod
    def get_connection_from_secrets(cls, conn_id: str) -> Connection:
        """The connection a task may use: the environment's, else the stored one."""
        from tradewind.authoring.runtime_secrets import get_connection

        return get_connection(conn_id)


def _port(port: int | str | None) -> int | None:
    if port is None or port == "":
        return None
    if isinstance(port, bool | float):
        raise InvalidConnection(f"connection port {port!r} is not a whole number")
    try:
        number = int(port)
    except (TypeError, ValueError):
        raise InvalidConnection(f"connection port {port!r} is not a number") from None
    if not 0 <= number <= 65535:
        raise InvalidConnection(f"connection port {port!r} is not between 0 and 65535")
    return number


def _extra_text(extra: str | dict[str, Any] | None) -> str | None:
    if extra is None or extra == "":
        return None
    if isinstance(extra, dict):
        return json.dumps(extra)
    if not isinstance(extra, str):
        raise InvalidConnection(f"connection extra must be a JSON object, not {extra!r}")
    try:
        parsed = json.loads(extra)
    except ValueError:
        raise InvalidConnection(f"connection extra {extra!r} is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise InvalidConnection(f"connection extra {extra!r} is not a JSON object")
    return extra
