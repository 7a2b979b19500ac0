"""CSRF on every form post, login when ``[webserver] authenticate`` is on, signed sessions."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from tests.www.conftest import csrf_token
from tradewind.db.engine import Database
from tradewind.db.models import DagModel, DagRun
from tradewind.www.session import COOKIE_NAME, SessionSigner


def _paused(database: Database, dag_id: str) -> bool:
    with database.read_session() as session:
        return bool(session.get(DagModel, dag_id).is_paused)


def test_post_without_csrf_token_is_rejected(client: TestClient, ui_database: Database) -> None:
    client.get("/dags")  # a session exists, but the form below does not carry its token
    response = client.post("/dags/ui_sample/paused", data={"is_paused": "false"})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert _paused(ui_database, "ui_sample")


def test_wrong_csrf_token_is_rejected(client: TestClient, ui_database: Database) -> None:
    client.get("/dags")
    response = client.post("/dags/ui_sample/trigger", data={"csrf_token": "forged", "conf": "{}"})
    assert response.status_code == 403
    with ui_database.read_session() as session:
        assert session.scalars(select(DagRun)).first() is None


def test_post_with_the_session_token_works(client: TestClient, ui_database: Database) -> None:
    token = csrf_token(client)
    response = client.post(
        "/dags/ui_sample/paused", data={"csrf_token": token, "is_paused": "false"}
    )
    assert response.status_code == 303
    assert not _paused(ui_database, "ui_sample")
    # The toggle's fetch sends the token as a header and asks for JSON.
    response = client.post(
        "/dags/ui_sample/paused",
        data={"is_paused": "true"},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert response.json() == {"dag_id": "ui_sample", "is_paused": True}
    assert _paused(ui_database, "ui_sample")


def test_token_of_another_session_is_rejected(client: TestClient, db_config, ui_database) -> None:
    from tests.www.conftest import make_client

    token = csrf_token(client)
    with make_client(db_config, ui_database) as other:
        other.get("/dags")
        response = other.post(
            "/dags/ui_sample/paused", data={"csrf_token": token, "is_paused": "false"}
        )
    assert response.status_code == 403


def test_pages_need_a_login_when_authenticate_is_on(auth_client: TestClient) -> None:
    for path in ("/dags", "/dags/ui_sample", "/pools", "/dags/nope"):
        response = auth_client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    assert auth_client.get("/login").status_code == 200
    assert auth_client.get("/static/style.css").status_code == 200
    # The experimental API keeps its own [api] auth_backend (default: open).
    assert auth_client.get("/api/experimental/test").json() == {"status": "OK"}


def test_login_logout(auth_client: TestClient) -> None:
    token = csrf_token(auth_client, "/login")
    wrong = auth_client.post(
        "/login", data={"csrf_token": token, "username": "alice", "password": "nope"}
    )
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    disabled = auth_client.post(
        "/login",
        data={"csrf_token": token, "username": "mallory", "password": "disabled-account"},
    )
    assert disabled.status_code == 401

    ok = auth_client.post(
        "/login",
        data={"csrf_token": token, "username": "alice", "password": "wonderland", "next": "/pools"},
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/pools"
    page = auth_client.get("/dags")
    assert page.status_code == 200 and "alice" in page.text

    fresh = csrf_token(auth_client)
    assert fresh != token  # logging in gives the session a new token
    assert auth_client.post("/logout", data={"csrf_token": fresh}).status_code == 303
    assert auth_client.get("/dags").status_code == 303


def test_login_never_redirects_off_site(auth_client: TestClient) -> None:
    token = csrf_token(auth_client, "/login")
    response = auth_client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "alice",
            "password": "wonderland",
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/dags"


def test_login_form_needs_csrf_too(auth_client: TestClient) -> None:
    auth_client.get("/login")
    response = auth_client.post("/login", data={"username": "alice", "password": "wonderland"})
    assert response.status_code == 403


def test_post_without_login_is_refused(auth_client: TestClient, ui_database: Database) -> None:
    token = csrf_token(auth_client, "/login")
    response = auth_client.post(
        "/dags/ui_sample/paused", data={"csrf_token": token, "is_paused": "false"}
    )
    assert response.status_code == 403
    assert _paused(ui_database, "ui_sample")


def test_forged_session_cookie_is_ignored(auth_client: TestClient) -> None:
    forged = SessionSigner("not-the-server-key").dumps({"user": "alice", "csrf": "x"})
    auth_client.cookies.set(COOKIE_NAME, forged)
    assert auth_client.get("/dags").status_code == 303


def test_signer_round_trip_and_tampering() -> None:
    signer = SessionSigner("k")
    cookie = signer.dumps({"user": "bob"})
    assert signer.loads(cookie) == {"user": "bob"}
    payload, signature = cookie.rsplit(".", 1)
    assert signer.loads(payload + "x." + signature) == {}
    assert signer.loads("garbage") == {}
    assert SessionSigner("k", max_age=-1).loads(cookie) == {}


def test_workers_share_a_generated_secret_key(tmp_path) -> None:
    from tradewind.www.session import load_secret_key

    first = load_secret_key("", tmp_path)
    assert first and load_secret_key("", tmp_path) == first
    assert (tmp_path / "webserver_secret_key").stat().st_mode & 0o777 == 0o600
    assert load_secret_key("configured", tmp_path) == "configured"
