"""Issue 18: the official ``apache-airflow-client`` (2.10, the API version served) drives
``/api/v1`` of a real webserver with password auth, and a real scheduler runs what it
triggers, on SQLite and on PostgreSQL.

Every call goes through the client's own models, so a field of the wrong type or a
missing required one fails here as it would fail an Airflow user's script.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from typing import Any

import httpx
import pytest
from airflow_client import client
from airflow_client.client.api import (
    config_api,
    connection_api,
    dag_api,
    dag_run_api,
    import_error_api,
    monitoring_api,
    pool_api,
    task_instance_api,
    variable_api,
    x_com_api,
)
from airflow_client.client.exceptions import ApiException
from airflow_client.client.model.clear_dag_run import ClearDagRun
from airflow_client.client.model.clear_task_instances import ClearTaskInstances
from airflow_client.client.model.connection import Connection
from airflow_client.client.model.dag import DAG
from airflow_client.client.model.dag_run import DAGRun
from airflow_client.client.model.list_dag_runs_form import ListDagRunsForm
from airflow_client.client.model.list_task_instance_form import ListTaskInstanceForm
from airflow_client.client.model.pool import Pool
from airflow_client.client.model.set_dag_run_note import SetDagRunNote
from airflow_client.client.model.update_dag_run_state import UpdateDagRunState
from airflow_client.client.model.update_task_instance import UpdateTaskInstance
from airflow_client.client.model.update_task_state import UpdateTaskState
from airflow_client.client.model.variable import Variable

from tests.api.v1_install import PASSWORD, USER, Installation, installation

pytestmark = pytest.mark.slow

CLIENT_VERSION = "2.10.0"
DAG_ID = "client_demo"


@pytest.fixture(scope="module")
def install(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Installation]:
    root = tmp_path_factory.mktemp("v1_client")
    with installation(
        root,
        module_database_url,
        TRADEWIND__WEBSERVER__EXPOSE_CONFIG="non-sensitive-only",
        TRADEWIND__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="1",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def api(install: Installation) -> Iterator[client.ApiClient]:
    configuration = client.Configuration(host=install.v1, username=USER, password=PASSWORD)
    with client.ApiClient(configuration) as api_client:
        yield api_client


def problem(call: Callable[[], Any]) -> tuple[int, dict[str, Any]]:
    """The status and problem JSON of a call that must fail."""
    with pytest.raises(ApiException) as caught:
        call()
    body = json.loads(caught.value.body)
    assert set(body) >= {"type", "title", "status", "detail"}, body
    assert body["status"] == caught.value.status
    return caught.value.status, body


def wait_for(read: Callable[[], Any], done: Callable[[Any], bool], seconds: float = 90) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def test_the_client_is_the_served_api_version(install: Installation) -> None:
    """The client's release is the API version the served document names (major.minor)."""
    assert version("apache-airflow-client") == CLIENT_VERSION
    document = httpx.get(f"{install.v1}/openapi.json", auth=(USER, PASSWORD), timeout=30)
    served = document.json()["info"]["version"]
    assert served.split(".")[:2] == CLIENT_VERSION.split(".")[:2]


def test_wrong_password_is_a_401(install: Installation) -> None:
    configuration = client.Configuration(host=install.v1, username=USER, password="wrong")
    with client.ApiClient(configuration) as api_client, pytest.raises(ApiException) as caught:
        pool_api.PoolApi(api_client).get_pools()
    assert caught.value.status == 401


def test_list_patch_trigger_run_logs_clear(api: client.ApiClient) -> None:
    dags = dag_api.DAGApi(api)
    runs = dag_run_api.DAGRunApi(api)
    tis = task_instance_api.TaskInstanceApi(api)

    listed = dags.get_dags(limit=10, tags=["api"])
    assert [d.dag_id for d in listed.dags] == [DAG_ID]
    assert listed.total_entries == 1
    assert dags.get_dag(DAG_ID).is_paused is True

    patched = dags.patch_dag(DAG_ID, DAG(is_paused=False), update_mask=["is_paused"])
    assert patched.is_paused is False

    run = runs.post_dag_run(DAG_ID, DAGRun(dag_run_id="from_client", conf={"who": "client"}))
    assert run.dag_run_id == "from_client"
    assert run.conf == {"who": "client"}

    def state() -> str:
        return str(runs.get_dag_run(DAG_ID, "from_client").state)

    assert wait_for(state, lambda s: s in ("success", "failed")) == "success"
    instances = tis.get_task_instances(DAG_ID, "from_client")
    assert sorted((t.task_id, str(t.state)) for t in instances.task_instances) == [
        ("bye", "success"),
        ("hello", "success"),
    ]
    log = tis.get_log(DAG_ID, "from_client", "hello", 1, full_content=True)
    assert "hello from the client" in log.content

    cleared = dags.post_clear_task_instances(
        DAG_ID,
        ClearTaskInstances(
            dry_run=False, dag_run_id="from_client", task_ids=["bye"], only_failed=False
        ),
    )
    assert [t.task_id for t in cleared.task_instances] == ["bye"]
    assert wait_for(state, lambda s: s == "success") == "success"
    assert tis.get_task_instance(DAG_ID, "from_client", "bye").try_number == 2

    runs.clear_dag_run(DAG_ID, "from_client", ClearDagRun(dry_run=True))
    marked = runs.update_dag_run_state(DAG_ID, "from_client", UpdateDagRunState(state="failed"))
    assert str(marked.state) == "failed"


def test_dag_details_batches_notes_xcom_and_deletes(api: client.ApiClient) -> None:
    dags = dag_api.DAGApi(api)
    runs = dag_run_api.DAGRunApi(api)
    tis = task_instance_api.TaskInstanceApi(api)
    xcoms = x_com_api.XComApi(api)

    assert dags.get_dag_details(DAG_ID).dag_id == DAG_ID
    assert sorted(t.task_id for t in dags.get_tasks(DAG_ID).tasks) == ["bye", "hello"]
    assert dags.get_task(DAG_ID, "hello").downstream_task_ids == ["bye"]
    source = dags.get_dag_source(dags.get_dag(DAG_ID).file_token)
    assert 'DAG("client_demo"' in source.content
    bulk = dags.patch_dags("client_", DAG(is_paused=False), update_mask=["is_paused"])
    assert {d.dag_id for d in bulk.dags} == {"client_demo", "client_other"}

    runs.post_dag_run(DAG_ID, DAGRun(dag_run_id="second"))
    done = wait_for(lambda: str(runs.get_dag_run(DAG_ID, "second").state), lambda s: s == "success")
    assert done == "success"
    everywhere = runs.get_dag_runs("~", limit=100)
    assert "second" in {r.dag_run_id for r in everywhere.dag_runs}
    batch = runs.get_dag_runs_batch(ListDagRunsForm(dag_ids=[DAG_ID], page_limit=100))
    assert "second" in {r.dag_run_id for r in batch.dag_runs}
    assert runs.set_dag_run_note(DAG_ID, "second", SetDagRunNote(note="checked")).note == "checked"

    all_tis = tis.get_task_instances("~", "~", limit=100)
    assert {("second", "hello"), ("second", "bye")} <= {
        (t.dag_run_id, t.task_id) for t in all_tis.task_instances
    }
    ti_batch = tis.get_task_instances_batch(ListTaskInstanceForm(dag_ids=[DAG_ID]))
    assert ti_batch.total_entries >= 2
    would = tis.patch_task_instance(
        DAG_ID,
        "second",
        "bye",
        UpdateTaskInstance(dry_run=True, new_state=UpdateTaskState("failed")),
    )
    assert would.task_id == "bye"
    assert str(tis.get_task_instance(DAG_ID, "second", "bye").state) == "success"

    entries = xcoms.get_xcom_entries(DAG_ID, "second", "hello")
    assert [e.key for e in entries.xcom_entries] == ["return_value"]
    entry = xcoms.get_xcom_entry(DAG_ID, "second", "hello", "return_value")
    assert "hello from the client" in str(entry.value)

    runs.delete_dag_run(DAG_ID, "second")
    status, _ = problem(lambda: runs.get_dag_run(DAG_ID, "second"))
    assert status == 404
    dags.delete_dag("client_other")
    status, _ = problem(lambda: dags.get_dag("client_other"))
    assert status == 404


def test_pools_crud(api: client.ApiClient) -> None:
    pools = pool_api.PoolApi(api)
    created = pools.post_pool(Pool(name="client_pool", slots=3, description="from the client"))
    assert (created.name, created.slots, created.open_slots) == ("client_pool", 3, 3)
    assert created.occupied_slots == 0

    status, body = problem(lambda: pools.post_pool(Pool(name="client_pool", slots=1)))
    assert status == 409 and "already exists" in body["detail"]

    listed = pools.get_pools(limit=100)
    assert {"default_pool", "client_pool"} <= {p.name for p in listed.pools}
    assert listed.total_entries == len(listed.pools)
    first = pools.get_pools(limit=1, order_by="-name")
    assert len(first.pools) == 1 and first.total_entries == listed.total_entries

    patched = pools.patch_pool(
        "client_pool", Pool(name="client_pool", slots=7), update_mask=["slots"]
    )
    assert (patched.slots, patched.description) == (7, "from the client")
    assert pools.get_pool("client_pool").slots == 7

    status, body = problem(lambda: pools.patch_pool("default_pool", Pool(name="renamed", slots=1)))
    assert status == 400 and body["detail"] == "Default Pool's name can't be modified"

    pools.delete_pool("client_pool")
    status, _ = problem(lambda: pools.get_pool("client_pool"))
    assert status == 404
    status, _ = problem(lambda: pools.delete_pool("default_pool"))
    assert status == 400


def test_variables_crud_hides_secrets(api: client.ApiClient) -> None:
    variables = variable_api.VariableApi(api)
    created = variables.post_variables(Variable(key="client_var", value="v1", description="d"))
    assert (created.key, created.value, created.description) == ("client_var", "v1", "d")
    assert variables.get_variable("client_var").value == "v1"

    variables.post_variables(Variable(key="client_api_token", value="very-secret"))
    assert variables.get_variable("client_api_token").value == "***"

    patched = variables.patch_variable(
        "client_var", Variable(key="client_var", value="v2"), update_mask=["value"]
    )
    assert (patched.value, patched.description) == ("v2", "d")

    listed = variables.get_variables(limit=100)
    shown = {v.key: v.value for v in listed.variables}
    assert shown["client_var"] == "v2" and shown["client_api_token"] == "***"
    assert listed.total_entries == len(listed.variables)

    status, body = problem(
        lambda: variables.patch_variable("client_var", Variable(key="other", value="x"))
    )
    assert status == 400 and "doesn't match" in body["detail"]

    variables.delete_variable("client_var")
    status, _ = problem(lambda: variables.get_variable("client_var"))
    assert status == 404


def test_connections_crud_never_shows_the_password(api: client.ApiClient) -> None:
    connections = connection_api.ConnectionApi(api)
    created = connections.post_connection(
        Connection(
            connection_id="client_db",
            conn_type="postgres",
            host="db.example.com",
            login="me",
            password="hunter2",
            port=5432,
            extra=json.dumps({"sslmode": "require", "api_key": "k-123"}),
        )
    )
    assert created.connection_id == "client_db"
    raw = str(api.last_response.data)  # what went over the wire, not the model
    assert "hunter2" not in raw and "k-123" not in raw
    assert json.loads(created.extra) == {"sslmode": "require", "api_key": "***"}

    status, _ = problem(
        lambda: connections.post_connection(Connection(connection_id="client_db", conn_type="http"))
    )
    assert status == 409

    patched = connections.patch_connection(
        "client_db",
        Connection(connection_id="client_db", conn_type="postgres", host="db2.example.com"),
        update_mask=["host"],
    )
    assert (patched.host, patched.login, patched.port) == ("db2.example.com", "me", 5432)

    listed = connections.get_connections()
    assert [c.connection_id for c in listed.connections] == ["client_db"]
    assert listed.total_entries == 1

    status, body = problem(
        lambda: connections.test_connection(Connection(connection_id="t", conn_type="http"))
    )
    assert status == 403 and "test_connection" in body["detail"]

    connections.delete_connection("client_db")
    status, _ = problem(lambda: connections.get_connection("client_db"))
    assert status == 404


def test_import_errors(api: client.ApiClient) -> None:
    errors = import_error_api.ImportErrorApi(api)
    listed = errors.get_import_errors()
    assert listed.total_entries == 1
    [error] = listed.import_errors
    assert error.filename.endswith("broken.py")
    assert "this_module_does_not_exist" in error.stack_trace
    assert errors.get_import_error(error.import_error_id).filename == error.filename
    status, _ = problem(lambda: errors.get_import_error(error.import_error_id + 1000))
    assert status == 404


def test_health_version_and_config(api: client.ApiClient, install: Installation) -> None:
    monitoring = monitoring_api.MonitoringApi(api)

    def scheduler_status() -> str:
        return str(monitoring.get_health().scheduler.status)

    assert wait_for(scheduler_status, lambda s: s == "healthy", 60) == "healthy"
    health = monitoring.get_health()
    assert str(health.metadatabase.status) == "healthy"
    assert health.scheduler.latest_scheduler_heartbeat
    anonymous = httpx.get(f"{install.v1}/health", timeout=30)
    assert anonymous.status_code == 200
    assert set(anonymous.json()) == {"metadatabase", "scheduler", "triggerer", "dag_processor"}

    version = monitoring.get_version()
    assert version.version

    configuration = config_api.ConfigApi(api).get_config(section="core")
    [core] = configuration.sections
    options = {option.key: option.value for option in core.options}
    assert options["load_examples"] == "False"
    assert options["fernet_key"] == "< hidden >"  # expose_config = non-sensitive-only

    text = httpx.get(
        f"{install.v1}/config",
        params={"section": "webserver"},
        headers={"Accept": "text/plain"},
        auth=(USER, PASSWORD),
        timeout=30,
    )
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert (
        text.text.startswith("[webserver]\n") and "expose_config = non-sensitive-only" in text.text
    )
