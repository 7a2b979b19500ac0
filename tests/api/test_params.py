"""Triggering a DAG with params over HTTP: the conf is checked against them, 400 if it fails."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from tests.api.server import ApiServer, make_home, serve
from tradewind.db.engine import Database
from tradewind.db.models import DagRun

PARAMS_DAG = """
from datetime import datetime
from tradewind import DAG, Param
from tradewind.operators.bash import BashOperator

with DAG("with_params", start_date=datetime(2024, 1, 1), schedule=None, params={
    "count": Param(2, type="integer", minimum=1, description="How many"),
    "who": Param(type="string", minLength=2),
    "plain": "anything",
}) as dag:
    BashOperator(task_id="t", bash_command="echo {{ params.count }}")
"""


@pytest.fixture(scope="module")
def params_server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    from tradewind.dagfiles.sync import sync_dag_folder

    config = make_home(tmp_path_factory.mktemp("params_home"), module_database_url)
    (config.dags_folder / "demo_dags.py").write_text(PARAMS_DAG)
    database = Database.from_config(config)
    sync_dag_folder(config, database)
    try:
        with serve(config, database) as server:
            yield server
    finally:
        database.dispose()


def _trigger(server: ApiServer, body: object) -> tuple[int, dict[str, object]]:
    with server.client() as http:
        response = http.post("/dags/with_params/dag_runs", content=json.dumps(body))
    return response.status_code, response.json()


def _runs(server: ApiServer) -> int:
    with server.database.read_session() as session:
        return session.scalar(select(func.count()).where(DagRun.dag_id == "with_params"))


@pytest.mark.parametrize(
    ("conf", "error"),
    [
        (
            {"count": 0, "who": "ana"},
            "Invalid input for param count: 0 is less than the minimum of 1",
        ),
        (
            {"count": "3", "who": "ana"},
            "Invalid input for param count: '3' is not of type 'integer'",
        ),
        ({"who": "a"}, "Invalid input for param who: 'a' is too short"),
        ({}, "Invalid input for param who: No value passed and Param has no default value"),
        (None, "Invalid input for param who: No value passed and Param has no default value"),
        ('{"who": 5}', "Invalid input for param who: 5 is not of type 'string'"),
    ],
)
def test_a_conf_failing_the_params_is_a_400_naming_the_param(
    params_server: ApiServer, conf: object, error: str
) -> None:
    before = _runs(params_server)
    status, body = _trigger(params_server, {"conf": conf, "replace_microseconds": "false"})
    assert (status, body) == (400, {"error": error})
    assert _runs(params_server) == before  # nothing was created


def test_a_valid_conf_creates_the_run_with_that_conf(params_server: ApiServer) -> None:
    conf = {"who": "ana", "count": 5, "not_a_param": [1]}
    status, body = _trigger(params_server, {"conf": conf, "run_id": "valid"})
    assert status == 200, body
    with params_server.client() as http:
        run = http.get("/dags/with_params/dag_runs/valid").json()
    assert run["conf"] == conf
