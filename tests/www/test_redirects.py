"""A form's or a login's ``next`` never sends the browser to another site."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.www.conftest import csrf_token
from tradewind.db.engine import Database
from tradewind.db.models import DagModel
from tradewind.www.redirects import local_path

OFF_SITE = [
    "//evil.example/x",
    "/\\evil.example",  # browsers read a backslash as a slash: //evil.example
    "\\\\evil.example",
    "/\t/evil.example",  # browsers drop tabs and newlines: //evil.example
    "/\n/evil.example",
    "https://evil.example/",
    "evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_an_off_site_target_falls_back_to_the_default(target: str) -> None:
    assert local_path(target, "/dags") == "/dags"


@pytest.mark.parametrize("target", ["/pools", "/dags?tags=etl&page=2", "/dags/ü/grid#run"])
def test_a_path_on_this_site_is_kept(target: str) -> None:
    assert local_path(target, "/dags") == target


def test_the_pause_form_returns_only_to_a_page_of_this_site(
    client: TestClient, ui_database: Database
) -> None:
    token = csrf_token(client)
    for paused, target in [("false", "/dags?status=active"), *(("true", t) for t in OFF_SITE)]:
        response = client.post(
            "/dags/ui_sample/paused",
            data={"csrf_token": token, "is_paused": paused, "next": target},
        )
        expected = target if target.startswith("/dags?") else "/dags"
        assert (response.status_code, response.headers["location"]) == (303, expected), target
        with ui_database.read_session() as session:
            is_paused = session.scalar(
                select(DagModel.is_paused).where(DagModel.dag_id == "ui_sample")
            )
        assert is_paused == (paused == "true")  # the toggle itself still happened


@pytest.mark.parametrize("target", ["/\\evil.example", "\\\\evil.example"])
def test_login_never_follows_a_backslash_next(auth_client: TestClient, target: str) -> None:
    token = csrf_token(auth_client, "/login")
    response = auth_client.post(
        "/login",
        data={"csrf_token": token, "username": "alice", "password": "wonderland", "next": target},
    )
    assert (response.status_code, response.headers["location"]) == (303, "/dags")
