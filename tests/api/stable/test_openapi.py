"""The /api/v1 OpenAPI document: served as JSON and YAML, Airflow's paths and schema
names, and real answers of the server valid against it."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from tests.api.stable.conftest import StableServer

AIRFLOW_PATHS = {
    "/dags": {"get", "patch"},
    "/dags/{dag_id}": {"get", "patch", "delete"},
    "/dags/{dag_id}/details": {"get"},
    "/dags/{dag_id}/tasks": {"get"},
    "/dags/{dag_id}/tasks/{task_id}": {"get"},
    "/dagSources/{file_token}": {"get"},
    "/dags/{dag_id}/dagRuns": {"get", "post"},
    "/dags/~/dagRuns/list": {"post"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}": {"get", "patch", "delete"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}/clear": {"post"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}/setNote": {"patch"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances": {"get"},
    "/dags/~/dagRuns/~/taskInstances/list": {"post"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}": {"get", "patch"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}": {"get", "patch"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped": {"get"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}": {"get"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries": {"get"},
    "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}": {"get"},
    "/dags/{dag_id}/clearTaskInstances": {"post"},
}


@pytest.fixture(scope="module")
def document(v1: StableServer) -> dict[str, Any]:
    with v1.client() as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def check(document: dict[str, Any], schema_name: str, instance: Any) -> None:
    """``instance`` is valid against ``#/components/schemas/<schema_name>``."""
    schema = {**document, "$ref": f"#/components/schemas/{schema_name}"}
    jsonschema.Draft202012Validator(schema).validate(instance)


def test_served_as_json_and_yaml_behind_the_login(v1: StableServer, document: dict) -> None:
    with v1.client() as client:
        as_yaml = client.get("/openapi.yaml")
    assert as_yaml.status_code == 200
    assert yaml.safe_load(as_yaml.text) == document
    with v1.client(auth=None) as anonymous:
        assert anonymous.get("/openapi.json").status_code == 401
    assert document["servers"] == [{"url": "/api/v1", "description": "Apache Airflow Stable API."}]
    assert document["components"]["securitySchemes"]["api_auth"] == {
        "type": "http",
        "scheme": "basic",
    }


def test_airflow_paths_methods_and_operation_ids(document: dict[str, Any]) -> None:
    for path, methods in AIRFLOW_PATHS.items():
        assert path in document["paths"], path
        assert methods <= set(document["paths"][path]), path
    get_dags = document["paths"]["/dags"]["get"]
    assert get_dags["operationId"] == "get_dags"
    names = {parameter["name"] for parameter in get_dags["parameters"]}
    assert {"limit", "offset", "order_by", "tags", "only_active", "paused"} <= names
    refused = document["paths"]["/dags/{dag_id}/clearTaskInstances"]["post"]["x-tradewind"]
    assert "include_past" in refused["refused"]
    trigger = document["paths"]["/dags/{dag_id}/dagRuns"]["post"]
    assert trigger["operationId"] == "post_dag_run"
    assert set(trigger["responses"]) >= {"200", "400", "401", "403", "404", "409"}
    schemas = document["components"]["schemas"]
    for name in ("DAG", "DAGCollection", "DAGDetail", "DAGRun", "DAGRunCollection",
                 "TaskInstance", "TaskInstanceCollection", "Task", "TaskCollection",
                 "XCom", "XComCollection", "Error", "ClearTaskInstances", "ListDagRunsForm",
                 "UpdateTaskInstance", "UpdateDagRunState"):  # fmt: skip
        assert name in schemas, name


def test_answers_are_valid_against_the_document(
    client: httpx.Client, document: dict[str, Any]
) -> None:
    check(document, "DAGCollection", client.get("/dags", params={"limit": 50}).json())
    check(document, "DAG", client.get("/dags/v1_daily").json())
    check(document, "DAGDetail", client.get("/dags/v1_demo/details").json())
    check(document, "TaskCollection", client.get("/dags/v1_demo/tasks").json())
    run = client.post("/dags/v1_daily/dagRuns", json={"dag_run_id": "doc", "note": "n"}).json()
    check(document, "DAGRun", run)
    check(document, "DAGRunCollection", client.get("/dags/~/dagRuns").json())
    instances = client.get("/dags/v1_daily/dagRuns/doc/taskInstances").json()
    assert instances["total_entries"] == 1
    check(document, "TaskInstanceCollection", instances)
    missing = client.get("/dags/nope")
    check(document, "Error", missing.json())
    assert (
        "application/problem+json"
        in document["paths"]["/dags/{dag_id}"]["get"]["responses"]["404"]["content"]
    )
