"""DAGs in the test database for the operations tests, built from DAG objects."""

from __future__ import annotations

from datetime import datetime

import pytest

from tradewind.db.engine import Database


@pytest.fixture
def demo_db(database: Database) -> Database:
    """The parametrized database holding DAG ``demo`` (extract >> load), unpaused."""
    from tradewind.authoring.dag import DAG
    from tradewind.authoring.timezone import utcnow
    from tradewind.dagfiles.serialization import dag_hash, serialize_dag
    from tradewind.db.models import DagModel, SerializedDagModel
    from tradewind.operators.bash import BashOperator

    with DAG("demo", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
        BashOperator(task_id="extract", bash_command="echo") >> BashOperator(
            task_id="load", bash_command="echo", retries=3
        )
    data = serialize_dag(dag)
    with database.session() as session:
        session.add(DagModel(dag_id="demo", is_paused=False, fileloc="/dags/demo.py"))
        session.add(
            SerializedDagModel(
                dag_id="demo",
                fileloc="/dags/demo.py",
                data=data,
                dag_hash=dag_hash(data),
                last_updated=utcnow(),
            )
        )
    return database
