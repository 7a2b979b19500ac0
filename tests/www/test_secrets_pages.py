"""The Variables and Connections pages: add, edit, delete; secrets never reach the browser
(a sensitive value and every password show ***, and an empty field keeps them)."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.www.conftest import csrf_token
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.secrets_store import SecretsStore


def test_variables_add_edit_delete(
    client: TestClient, ui_database: Database, db_config: Config
) -> None:
    store = SecretsStore(ui_database, db_config)
    token = csrf_token(client, "/variables")
    assert 'href="/variables" class="active"' in client.get("/variables").text
    created = client.post(
        "/variables",
        data={"csrf_token": token, "key": "region", "value": "eu", "description": "where"},
    )
    assert created.status_code == 303
    client.post("/variables", data={"csrf_token": token, "key": "api_token", "value": "t0ken-9"})
    page = client.get("/variables").text
    assert 'data-variable="region"' in page and "where" in page
    assert "t0ken-9" not in page and "***" in page

    edit = client.get("/variables", params={"edit": "api_token"}).text
    assert "t0ken-9" not in edit and "leave empty to keep it" in edit
    client.post(
        "/variables",
        data={"csrf_token": token, "key": "api_token", "value": "", "editing": "api_token"},
    )
    assert store.get_variable("api_token") == "t0ken-9"

    bad = client.post("/variables", data={"csrf_token": token, "key": " ", "value": "x"})
    assert bad.status_code == 400 and "Variable key shouldn&#39;t be empty" in bad.text
    refused = client.post("/variables", data={"key": "sneaky", "value": "x"})
    assert refused.status_code in (400, 403) and store.get_variable("sneaky") is None

    client.post("/variables/region/delete", data={"csrf_token": token})
    assert store.get_variable("region") is None


def test_connections_add_edit_delete_never_show_the_password(
    client: TestClient, ui_database: Database, db_config: Config
) -> None:
    store = SecretsStore(ui_database, db_config)
    token = csrf_token(client, "/connections")
    fields = {
        "csrf_token": token,
        "conn_id": "wh",
        "conn_type": "postgres",
        "host": "db.local",
        "port": "5432",
        "login": "etl",
        "password": "pa$$-77",
        "extra": '{"sslmode": "require"}',
    }
    assert client.post("/connections", data=fields).status_code == 303
    page = client.get("/connections").text
    assert 'data-connection="wh"' in page and "db.local" in page
    assert "pa$$-77" not in page and "***" in page
    edit = client.get("/connections", params={"edit": "wh"}).text
    assert "pa$$-77" not in edit and "sslmode" in edit

    changed = {**fields, "host": "db2.local", "password": "", "editing": "wh"}
    assert client.post("/connections", data=changed).status_code == 303
    stored = store.get_connection("wh")
    assert stored is not None and stored.host == "db2.local" and stored.password == "pa$$-77"

    bad = client.post("/connections", data={**fields, "port": "nine"})
    assert bad.status_code == 400 and "port" in bad.text and "pa$$-77" not in bad.text
    bad_extra = client.post("/connections", data={**fields, "extra": "{oops"})
    assert bad_extra.status_code == 400 and "Extra is not valid JSON" in bad_extra.text

    client.post("/connections/wh/delete", data={"csrf_token": token})
    assert store.get_connection("wh") is None
