"""Issue 12: the served OpenAPI document states the server's rules; 405s name every method.

The fuzz (test_openapi_fuzz.py) checks the document and the server agree; these tests pin
the rules a client generator reads, and check each one against the server's answer.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.server import ApiServer
from tradewind.api.app import create_app
from tradewind.api.experimental.schemas import RUN_ID_PATTERN
from tradewind.config import load_config
from tradewind.exceptions import BadRequest
from tradewind.operations.dag_runs import validate_run_id

PREFIX = "/api/experimental"


@pytest.fixture(scope="module")
def document(api_server: ApiServer) -> dict[str, Any]:
    with api_server.client() as http:
        return http.get("/openapi.json").json()


def parameter(document: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    operation = document["paths"][f"{PREFIX}{path}"][method]
    return next(p for p in operation["parameters"] if p["name"] == name)


def body_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    operation = document["paths"][f"{PREFIX}{path}"]["post"]
    return operation["requestBody"]["content"]["application/json"]["schema"]


def variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return schema.get("anyOf", [schema])


def test_paused_is_true_or_false(document: dict[str, Any], api_server: ApiServer) -> None:
    paused = parameter(document, "/dags/{dag_id}/paused/{paused}", "get", "paused")
    assert paused["schema"] == {"type": "string", "enum": ["true", "false"]}
    with api_server.client() as http:
        assert http.get("/dags/demo/paused/maybe").status_code == 400
        assert http.get("/dags/demo/paused/false").status_code == 200


def test_state_is_an_enum_and_dates_have_their_format(document: dict[str, Any]) -> None:
    def schema(name: str) -> dict[str, Any]:
        return parameter(document, "/dags/{dag_id}/dag_runs", "get", name)["schema"]

    state = variants(schema("state"))
    assert {"type": "string", "enum": ["queued", "running", "success", "failed"]} in state
    for name in ("execution_date_gte", "execution_date_lte"):
        assert {"type": "string", "format": "date-time"} in variants(schema(name))
    for path in ("/dags/{dag_id}/dag_runs/{execution_date}", "/lineage/{dag_id}/{execution_date}"):
        date = parameter(document, path, "get", "execution_date")
        assert date["schema"]["format"] == "date-time"
    trigger = body_schema(document, "/dags/{dag_id}/dag_runs")["properties"]
    assert {"type": "string", "format": "date-time"} in variants(trigger["execution_date"])


def test_pool_names_may_not_be_blank(document: dict[str, Any], api_server: ApiServer) -> None:
    in_path = parameter(document, "/pools/{name}", "get", "name")["schema"]
    in_body = body_schema(document, "/pools")
    assert in_body["required"] == ["name", "slots"]
    for schema in (in_path, in_body["properties"]["name"]):
        assert schema["minLength"] == 1 and schema["maxLength"] == 256
        assert re.search(schema["pattern"], "etl")
        assert not re.search(schema["pattern"], " \t")
        assert not re.search(schema["pattern"], "a\x00")  # PostgreSQL's text holds no NUL
    with api_server.client() as http:
        blank = http.post("/pools", json={"name": "  ", "slots": 1})
    assert (blank.status_code, blank.json()) == (400, {"error": "Pool name shouldn't be empty"})


def test_integral_slots_are_integers_as_the_schema_says(
    document: dict[str, Any], api_server: ApiServer
) -> None:
    slots = variants(body_schema(document, "/pools")["properties"]["slots"])
    assert {"type": "integer", "minimum": -1, "maximum": 2**31 - 1} in slots
    with api_server.client() as http:
        whole = http.post("/pools", content='{"name": "floaty", "slots": 4.0}')
        half = http.post("/pools", content='{"name": "floaty", "slots": 4.5}')
        http.delete("/pools/floaty")
    assert whole.status_code == 200 and whole.json()["slots"] == 4, whole.text
    assert half.json() == {"error": "Bad value for `slots`: 4.5"}


def test_a_flag_is_any_json_spelling_of_true(api_server: ApiServer) -> None:
    with api_server.client() as http:
        flag = {"run_id": "flag_1_0", "detailed_output": 1.0, "execution_date": "2021-01-01"}
        shown = http.post("/dags/other/dag_runs", json=flag)  # sent as 1.0
        refused = http.post(
            "/dags/other/dag_runs", content='{"run_id": "flag_2", "detailed_output": 2}'
        )
        absent = http.get("/dags/other/dag_runs/flag_2")
    assert shown.status_code == 200 and shown.json()["dag_id"] == "other", shown.text
    assert refused.json() == {"error": "detailed_output must be true or false, not 2"}
    assert absent.status_code == 400  # the refused trigger left no run behind


def test_conf_is_an_object_or_a_string_holding_one(
    document: dict[str, Any], api_server: ApiServer
) -> None:
    conf = variants(body_schema(document, "/dags/{dag_id}/dag_runs")["properties"]["conf"])
    assert {"type": "object", "additionalProperties": True} in conf
    text = next(schema for schema in conf if schema.get("type") == "string")
    seed_example = '{"key":"value"}'  # what the seed's curl example sends
    assert re.search(text["pattern"], seed_example)
    assert not re.search(text["pattern"], "[1, 2]")
    with api_server.client() as http:
        listed = http.post("/dags/other/dag_runs", json={"conf": "[1, 2]"})
        accepted = http.post(
            "/dags/other/dag_runs",
            json={"conf": seed_example, "run_id": "doc_conf", "execution_date": "2021-01-02"},
        )
    assert listed.status_code == 400 and accepted.status_code == 200, accepted.text


def test_every_api_operation_documents_the_auth_answers(document: dict[str, Any]) -> None:
    for path, operations in document["paths"].items():
        if path.startswith(PREFIX):
            for operation in operations.values():
                assert {"401", "403"} <= set(operation["responses"]), path
                assert "security" not in operation  # the default backend asks for nothing


@pytest.mark.parametrize(
    ("path", "template", "allowed"),
    [
        ("/pools", "/pools", "GET, POST"),
        ("/pools/default_pool", "/pools/{name}", "DELETE, GET"),
        ("/dags/demo/dag_runs", "/dags/{dag_id}/dag_runs", "GET, POST"),
        ("/dags/demo", "/dags/{dag_id}", "DELETE"),
        ("/test", "/test", "GET"),
    ],
)
def test_405_names_every_method_served_on_the_path(
    document: dict[str, Any], api_server: ApiServer, path: str, template: str, allowed: str
) -> None:
    with api_server.client() as http:
        for method in ("PUT", "PATCH", "OPTIONS"):
            response = http.request(method, path)
            assert response.status_code == 405, (method, path)
            assert response.headers["allow"] == allowed
            assert response.json() == {"error": f"Method {method} is not allowed on {PREFIX}{path}"}
    documented = {method.upper() for method in document["paths"][f"{PREFIX}{template}"]}
    assert documented == set(allowed.split(", "))


def test_health_documents_its_503(document: dict[str, Any]) -> None:
    assert "503" in document["paths"]["/health"]["get"]["responses"]


def test_a_password_backend_is_named_in_the_document(api_server: ApiServer) -> None:
    database_url = str(api_server.config.get("database", "sql_alchemy_conn"))
    env = {
        "TRADEWIND_HOME": str(api_server.home),
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": database_url,
        "TRADEWIND__API__AUTH_BACKEND": "airflow.api.auth.backend.basic_auth",  # an alias
    }
    app = create_app(load_config(env), api_server.database)
    served = app.openapi()
    assert served["components"]["securitySchemes"] == {
        "api_auth": {"type": "http", "scheme": "basic"}
    }
    trigger = served["paths"][f"{PREFIX}/dags/{{dag_id}}/dag_runs"]["post"]
    assert trigger["security"] == [{"api_auth": []}]


@pytest.mark.parametrize(
    "run_id",
    [
        "nightly",
        "fuzz run two",
        "ünï:2024",
        "a" * 250,
        "",
        " ",
        "a/b",
        "a\nb",
        "del\x7f",
        "nel\x85",
    ],
)
def test_run_id_pattern_and_server_agree(run_id: str) -> None:
    try:
        validate_run_id(run_id)
        accepted = True
    except BadRequest:
        accepted = False
    assert accepted == bool(re.search(RUN_ID_PATTERN, run_id))


def test_a_task_instance_is_strings_plus_rendered_fields(
    document: dict[str, Any], api_server: ApiServer
) -> None:
    """Issue 17: the answer gains ``rendered_fields`` (JSON or null); every other field
    stays a string, and the document says so."""
    import jsonschema

    from tradewind.execution.rendered_fields import write_rendered_fields
    from tradewind.operations.dag_runs import trigger_dag

    path = f"{PREFIX}/dags/{{dag_id}}/dag_runs/{{execution_date}}/tasks/{{task_id}}"
    answer = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    ref = answer["schema"]["$ref"].rsplit("/", 1)[-1]
    schema = document["components"]["schemas"][ref]
    assert schema["additionalProperties"] == {"type": "string"}
    assert "rendered_fields" in schema["properties"]

    run = trigger_dag(api_server.database, "demo", actor="test")
    url = f"/dags/demo/dag_runs/{run.run_id}/tasks/extract"
    with api_server.client() as http:
        before = http.get(url).json()
        with api_server.database.session() as session:
            fields = {"bash_command": "echo rendered", "env": {"A": "1"}}
            write_rendered_fields(session, ("demo", run.run_id, "extract", -1), fields)
        after = http.get(url).json()
    assert before["rendered_fields"] is None
    assert after["rendered_fields"] == {"bash_command": "echo rendered", "env": {"A": "1"}}
    for shown in (before, after):
        jsonschema.validate(shown, schema)
        assert {"dag_id", "task_id", "state", "try_number", "queued_dttm"} <= set(shown)


def test_metrics_is_documented_as_prometheus_text(
    document: dict[str, Any], api_server: ApiServer
) -> None:
    operation = document["paths"]["/metrics"]["get"]
    assert "text/plain" in operation["responses"]["200"]["content"]
    assert {"401", "403", "429"} <= set(operation["responses"])  # [metrics] public is off
    with api_server.client() as http:
        scraped = http.get(f"{api_server.url}/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    assert "# TYPE tradewind_pool_open_slots gauge" in scraped.text


@pytest.mark.parametrize("public", ["False", "True"])
def test_metrics_document_follows_the_backend_and_public(
    api_server: ApiServer, public: str
) -> None:
    from tradewind.webserver import create_app as create_webserver_app

    env = {
        "TRADEWIND_HOME": str(api_server.home),
        "TRADEWIND__DATABASE__SQL_ALCHEMY_CONN": str(
            api_server.config.get("database", "sql_alchemy_conn")
        ),
        "TRADEWIND__API__AUTH_BACKEND": "tradewind.api.auth.backend.password_auth",
        "TRADEWIND__METRICS__PUBLIC": public,
    }
    operation = create_webserver_app(load_config(env), api_server.database).openapi()["paths"][
        "/metrics"
    ]["get"]
    if public == "True":
        assert "security" not in operation and "401" not in operation["responses"]
    else:
        assert operation["security"] == [{"api_auth": []}]
        assert "401" in operation["responses"]
