"""Airflow's two text forms of a connection, read and written (no database involved)."""

from __future__ import annotations

import json

import pytest

from tradewind.authoring.connection import Connection, InvalidConnection


def test_uri_form_reads_every_field_and_percent_escapes() -> None:
    conn = Connection.from_uri(
        "postgresql://us%40er:p%3Aw%2Fd@db.example:5433/my%20db?sslmode=require&x=1", "wh"
    )
    assert (conn.conn_id, conn.conn_type, conn.host, conn.port) == (
        "wh",
        "postgres",
        "db.example",
        5433,
    )
    assert (conn.login, conn.password, conn.schema) == ("us@er", "p:w/d", "my db")
    assert conn.extra_dejson == {"sslmode": "require", "x": "1"}


def test_get_uri_round_trips_and_uses_extra_json_for_non_strings() -> None:
    conn = Connection(
        conn_id="c",
        conn_type="google_cloud",
        host="h",
        login="a b",
        password="p@ss",
        port=1,
        schema="s",
        extra={"n": 1, "s": "t"},
    )
    uri = conn.get_uri()
    assert uri.startswith("google-cloud://a%20b:p%40ss@h:1/s?__extra__=")
    back = Connection.from_uri(uri)
    assert back.conn_type == "google_cloud" and back.password == "p@ss" and back.login == "a b"
    assert back.extra_dejson == {"n": 1, "s": "t"}


def test_json_form_and_env_text() -> None:
    conn = Connection.from_text(
        json.dumps(
            {"conn_type": "http", "host": "api.example", "port": "8080", "extra": {"a": "b"}}
        )
    )
    assert conn.port == 8080 and conn.extra_dejson == {"a": "b"}
    assert Connection.from_text("mysql://root@127.0.0.1:3306/test").conn_type == "mysql"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no-scheme-here", "has no scheme"),
        ("http://h:notaport", "port that is not a number"),
        ('{"conn_type": "http", "colour": "red"}', "unknown field(s) colour"),
        ('{"conn_type": "http", "extra": "[1]"}', "is not a JSON object"),
        ('{"conn_type": "http", "port": 70000}', "between 0 and 65535"),
        ('{"uri": "http://h", "host": "x"}', "not both (host)"),
    ],
)
def test_bad_forms_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidConnection, match=message.replace("(", r"\(").replace(")", r"\)")):
        Connection.from_text(text)
