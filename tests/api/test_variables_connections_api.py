"""The variables and connections endpoints: round trip, secrets shown as ***, a 400 that
changes nothing on bad input, 404 for what does not exist (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.api.server import ApiServer


def test_variables_round_trip_and_secret_keys_are_masked(api_server: ApiServer) -> None:
    with api_server.client() as http:
        set_one = http.post(
            "/variables", content=json.dumps({"key": "region", "value": "eu", "description": "d"})
        )
        set_secret = http.post("/variables", json={"key": "db_password", "value": "hunter22"})
        listed = {v["key"]: v for v in http.get("/variables").json()}
        one = http.get("/variables/region").json()
        secret = http.get("/variables/db_password").json()
        deleted = http.delete("/variables/region")
        gone = http.get("/variables/region")
        again = http.delete("/variables/region")
    assert set_one.status_code == 200 and set_secret.status_code == 200
    assert listed["region"] == {"key": "region", "value": "eu", "description": "d"}
    assert listed["db_password"]["value"] == "***" and secret["value"] == "***"
    assert one["value"] == "eu"
    assert deleted.status_code == 200
    assert gone.status_code == 404 and gone.json() == {"error": "Variable region does not exist"}
    assert again.status_code == 404


def test_bad_variable_input_is_a_400_and_changes_nothing(api_server: ApiServer) -> None:
    with api_server.client() as http:
        before = http.get("/variables").json()
        answers = [
            http.post("/variables", json={"key": "", "value": "x"}),
            http.post("/variables", json={"key": "k", "value": 5}),
            http.post("/variables", json={"value": "x"}),
            http.post("/variables", content=b"not json"),
            http.post("/variables", json={"key": "k" * 251, "value": "x"}),
        ]
        after = http.get("/variables").json()
    assert [a.status_code for a in answers] == [400] * 5
    assert answers[1].json()["error"].startswith("Variable value must be a string")
    assert before == after


def test_connections_round_trip_never_show_the_password(api_server: ApiServer) -> None:
    with api_server.client() as http:
        by_uri = http.post(
            "/connections",
            json={"conn_id": "wh", "uri": "postgresql://u:s3cret@db:5432/wh?sslmode=require"},
        )
        by_fields = http.post(
            "/connections",
            json={
                "conn_id": "api",
                "conn_type": "http",
                "host": "example.org",
                "password": "pw",
                "extra": {"api_key": "k-1", "timeout": "5"},
            },
        )
        one = http.get("/connections/wh").json()
        listed = http.get("/connections").json()
        bad = [
            http.post("/connections", json={"conn_id": "x", "conn_type": "http", "port": "abc"}),
            http.post("/connections", json={"conn_id": "x", "host": "h"}),
            http.post("/connections", json={"conn_id": "x", "conn_type": "http", "nope": 1}),
            http.post("/connections", json={"conn_id": "x", "uri": "no-scheme"}),
        ]
        missing = http.get("/connections/x")
        deleted = http.delete("/connections/api")
    assert by_uri.status_code == 200 and by_fields.status_code == 200
    assert one["conn_type"] == "postgres" and one["host"] == "db" and one["port"] == 5432
    assert one["password"] == "***" and one["extra"] == {"sslmode": "require"}
    api = next(c for c in listed if c["conn_id"] == "api")
    assert api["password"] == "***" and api["extra"] == {"api_key": "***", "timeout": "5"}
    assert "s3cret" not in json.dumps(listed)
    assert [b.status_code for b in bad] == [400] * 4, [b.text for b in bad]
    assert "port" in bad[0].json()["error"] and "conn_type" in bad[1].json()["error"]
    assert missing.status_code == 404
    assert missing.json() == {"error": "The conn_id `x` isn't defined"}
    assert deleted.status_code == 200
    with api_server.database.session() as session:
        raw = session.execute(text("SELECT password FROM connection")).scalars().all()
    assert raw and all("s3cret" not in value for value in raw)
