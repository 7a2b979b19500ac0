"""The trigger page's params form: fields drawn from the params, the conf they post, and
refusals shown on the form (with nothing triggered)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.www.browser import chromium_page, require_browser, serve
from tests.www.conftest import csrf_token, make_client, sync
from tradewind.config import Config
from tradewind.db.engine import Database
from tradewind.db.models import DagRun

PARAMS_DAG = """
from datetime import datetime
from tradewind import DAG, Param
from tradewind.operators.empty import EmptyOperator

with DAG("form_params", schedule=None, start_date=datetime(2024, 1, 1), params={
    "count": Param(3, type="integer", minimum=1, maximum=10, title="How many",
                   description="Rows to load"),
    "who": Param(type="string", minLength=2, examples=["ana", "bo"]),
    "dry_run": Param(True, type="boolean"),
    "color": Param("red", enum=["red", "green", 7], values_display={"red": "Red!"}),
    "options": Param({"a": 1}, type="object"),
    "fixed": Param("v1", const="v1"),
    "note": "plain",
}) as dag:
    EmptyOperator(task_id="t")
"""

FIELDS = {
    "params_shown": '["count", "who", "dry_run", "color", "options", "note"]',
    "param.count": "5",
    "param.who": "ana",
    "param.color": "7",
    "param.options": '{"b": [1, 2]}',
    "param.note": "typed",
    "conf": "",
}


def _runs(database: Database) -> list[DagRun]:
    with database.read_session() as session:
        return list(session.scalars(select(DagRun).where(DagRun.dag_id == "form_params")))


def _add_params_dag(config: Config, database: Database) -> None:
    config.dags_folder.mkdir(parents=True, exist_ok=True)
    (config.dags_folder / "form_params.py").write_text(PARAMS_DAG)
    sync(config, database)


@pytest.fixture
def params_client(db_config: Config, database: Database) -> Iterator[TestClient]:
    _add_params_dag(db_config, database)
    with make_client(db_config, database) as client:
        yield client


def test_form_has_a_field_per_param_prefilled_with_its_default(params_client: TestClient) -> None:
    page = params_client.get("/dags/form_params/trigger").text
    assert 'name="param.count" value="3"' in page and 'type="number"' in page
    assert 'min="1" max="10" step="1"' in page
    assert "How many" in page and "Rows to load" in page  # title as label, description below
    assert re.search(r'name="param.who" value=""[^>]*minlength="2"[^>]*required', page)
    assert '<option value="ana">' in page  # examples are offered, not imposed
    assert re.search(r'type="checkbox"[^>]*name="param.dry_run" value="true" checked', page)
    assert '<option value="&#34;red&#34;" selected>Red!</option>' in page
    assert '<option value="7">7</option>' in page
    assert "&#34;a&#34;: 1" in page  # the object's JSON in its textarea
    assert 'name="param.note" value="plain"' in page
    assert "param.fixed" not in page  # a const param is not editable


def test_a_link_can_prefill_the_form(params_client: TestClient) -> None:
    page = params_client.get("/dags/form_params/trigger?count=7&dry_run=false&run_id=r1").text
    assert 'name="param.count" value="7"' in page and 'name="run_id" value="r1"' in page
    assert re.search(r'name="param.dry_run" value="true">', page)  # unchecked
    assert 'name="param.note" value="plain"' in page  # the others keep their defaults


def test_posting_the_form_triggers_with_the_typed_values(
    params_client: TestClient, database: Database
) -> None:
    data = {**FIELDS, "csrf_token": csrf_token(params_client)}  # dry_run unchecked: absent
    response = params_client.post("/dags/form_params/trigger", data=data)
    assert response.status_code == 303, response.text
    [run] = _runs(database)
    assert run.conf == {
        "count": 5,
        "who": "ana",
        "dry_run": False,
        "color": 7,
        "options": {"b": [1, 2]},
        "note": "typed",
    }


def test_the_json_box_wins_over_the_fields(params_client: TestClient, database: Database) -> None:
    data = {**FIELDS, "csrf_token": csrf_token(params_client), "conf": '{"count": 9, "x": 1}'}
    assert params_client.post("/dags/form_params/trigger", data=data).status_code == 303
    [run] = _runs(database)
    assert run.conf is not None and (run.conf["count"], run.conf["x"]) == (9, 1)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"param.count": "0"}, "Invalid input for param count: 0 is less than the minimum of 1"),
        ({"param.count": "lots"}, "Invalid input for param count: &#39;lots&#39; is not of type"),
        ({"param.who": ""}, "Invalid input for param who: None is not of type &#39;string&#39;"),
        ({"param.options": "{oops"}, "Invalid input for param options: not valid JSON"),
        ({"conf": '{"color": "blue"}'}, "Invalid input for param color: &#39;blue&#39; is not one"),
    ],
)
def test_an_invalid_value_rerenders_the_form_and_triggers_nothing(
    params_client: TestClient, database: Database, changes: dict[str, str], error: str
) -> None:
    data = {**FIELDS, "csrf_token": csrf_token(params_client), **changes}
    response = params_client.post("/dags/form_params/trigger", data=data)
    assert response.status_code == 400
    assert error in response.text
    assert 'name="param.note" value="typed"' in response.text  # what was typed is kept
    bad = re.search(r'<div class="param-field invalid" data-param="(\w+)">', response.text)
    assert bad is not None and error.startswith(f"Invalid input for param {bad.group(1)}:")
    assert _runs(database) == []


def test_a_dag_without_params_keeps_the_plain_conf_editor(
    params_client: TestClient, database: Database
) -> None:
    page = params_client.get("/dags/ui_other/trigger").text
    assert "data-params-form" not in page and 'name="conf"' in page


def test_browser_fills_the_form_and_sees_a_refusal(
    config: Config, sqlite_database_url: str
) -> None:
    chromium = require_browser()
    ui_config = config.with_overrides(
        {
            ("database", "sql_alchemy_conn"): sqlite_database_url,
            ("webserver", "authenticate"): "False",
        }
    )
    database = Database.from_config(ui_config)
    _add_params_dag(ui_config, database)
    app = make_client(ui_config, database).app
    with serve(app) as base_url, chromium_page(chromium) as page:
        page.goto(f"{base_url}/dags/form_params/trigger")
        page.fill('input[name="param.who"]', "browser")
        page.fill('input[name="param.count"]', "4")
        page.uncheck('input[name="param.dry_run"]')
        page.select_option('select[name="param.color"]', label="green")
        page.fill("textarea#conf", '{"count": 42}')  # the box wins: above the maximum
        page.click('form[data-conf-form] button[type="submit"]')
        page.wait_for_selector("#conf-error.shown")
        assert "Invalid input for param count: 42 is greater than the maximum of 10" in (
            page.locator("#conf-error").inner_text()
        )
        assert page.input_value('input[name="param.who"]') == "browser"
        assert _runs(database) == []

        page.fill("textarea#conf", "")
        page.click('form[data-conf-form] button[type="submit"]')
        page.wait_for_url(re.compile(r".*/dags/form_params/runs/manual__.*"))
    [run] = _runs(database)
    assert run.conf == {
        "count": 4,
        "who": "browser",
        "dry_run": False,
        "color": "green",
        "options": {"a": 1},
        "note": "plain",
    }
    database.dispose()
