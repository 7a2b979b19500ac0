"""Logging out revokes the session on SQLite and PostgreSQL: a copied cookie is refused."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.www.conftest import csrf_token, make_client
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.www.session import COOKIE_NAME


def test_a_copied_cookie_stops_working_at_logout(
    auth_client: TestClient, auth_config: Config, ui_database: Database
) -> None:
    token = csrf_token(auth_client, "/login")
    response = auth_client.post(
        "/login", data={"csrf_token": token, "username": "alice", "password": "wonderland"}
    )
    assert response.status_code == 303
    copied = auth_client.cookies[COOKIE_NAME]
    # Another browser on the same webserver, replaying the copied cookie.
    with TestClient(auth_client.app, follow_redirects=False) as thief:
        thief.cookies.set(COOKIE_NAME, copied)
        assert thief.get("/dags").status_code == 200
        logout = auth_client.post("/logout", data={"csrf_token": csrf_token(auth_client)})
        assert logout.status_code == 303
        thief.cookies.set(COOKIE_NAME, copied)
        assert thief.get("/dags").status_code == 303
    # A webserver started afterwards refuses it too: the revocation is in the database.
    with make_client(auth_config, ui_database) as later:
        later.cookies.set(COOKIE_NAME, copied)
        assert later.get("/dags").status_code == 303
