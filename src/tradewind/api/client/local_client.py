"""The client that works on the metadata database directly, through the operations layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tradewind.operations import dag_runs, dags, lineage, pools, task_instances

if TYPE_CHECKING:
    from tradewind.config import Config
    from tradewind.db.engine import Database

ACTOR = "cli"


class Client:
    def __init__(self, config: Config, database: Database | None = None) -> None:
        self.config = config
        self._database = database

    @property
    def db(self) -> Database:
        if self._database is None:
            from tradewind.db.engine import Database
            from tradewind.db.schema import check

            self._database = Database.from_config(self.config)
            check(self._database)
        return self._database

    def trigger_dag(
        self,
        dag_id: str,
        run_id: str | None = None,
        conf: dict[str, Any] | str | None = None,
        execution_date: str | None = None,
        replace_microseconds: bool | None = None,
    ) -> dict[str, Any]:
        run = dag_runs.trigger_dag(
            self.db,
            dag_id,
            run_id=run_id,
            conf=conf,
            execution_date=execution_date,
            replace_microseconds=replace_microseconds,
            actor=ACTOR,
            config=self.config,
        )
        return {
            "message": f"Created {run!r}",
            "execution_date": run.execution_date.isoformat(),
            "run_id": run.run_id,
        }

    def delete_dag(self, dag_id: str) -> dict[str, Any]:
        count = dags.delete_dag(self.db, dag_id, actor=ACTOR)
        return {"message": f"Removed {count} record(s)", "count": count}

    def set_paused(self, dag_id: str, paused: bool) -> None:
        dags.set_paused(self.db, dag_id, paused, actor=ACTOR, config=self.config)

    def is_paused(self, dag_id: str) -> bool:
        return dags.is_paused(self.db, dag_id)

    def get_dag_run(self, dag_id: str, ref: str) -> dict[str, Any]:
        return dag_runs.get_dag_run(self.db, dag_id, ref)

    def list_dag_runs(self, dag_id: str, state: str | None = None) -> list[dict[str, Any]]:
        return dag_runs.list_dag_runs(self.db, dag_id, state=state)

    def get_task_instance(
        self, dag_id: str, ref: str, task_id: str, map_index: int = -1
    ) -> dict[str, Any]:
        return task_instances.get_task_instance(self.db, dag_id, ref, task_id, map_index)

    def get_pool(self, name: str) -> dict[str, Any]:
        return pools.get_pool(self.db, name)

    def get_pools(self) -> list[dict[str, Any]]:
        return pools.list_pools(self.db)

    def create_pool(self, name: str, slots: int | str, description: str) -> dict[str, Any]:
        return pools.create_or_update_pool(self.db, name, slots, description, actor=ACTOR)

    def delete_pool(self, name: str) -> dict[str, Any]:
        return pools.delete_pool(self.db, name, actor=ACTOR)

    def get_lineage(self, dag_id: str, execution_date: str) -> dict[str, Any]:
        return lineage.get_lineage(self.db, dag_id, execution_date)
