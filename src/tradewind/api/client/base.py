"""The one protocol both API clients implement, so CLI commands do not care which is used.

Return values are the experimental API's JSON shapes (dicts and lists), whether they came
over HTTP or straight from the operations layer.
"""

from __future__ import annotations

from typing import Any, Protocol

from tradewind.exceptions import TradewindException


class ApiClientError(TradewindException):
    """The API could not be reached, or answered with a server error."""


class Client(Protocol):
    def trigger_dag(
        self,
        dag_id: str,
        run_id: str | None = None,
        conf: dict[str, Any] | str | None = None,
        execution_date: str | None = None,
        replace_microseconds: bool | None = None,
    ) -> dict[str, Any]:
        """``{"message", "execution_date", "run_id"}`` of the new queued run."""

    def delete_dag(self, dag_id: str) -> dict[str, Any]:
        """``{"message": "Removed N record(s)", "count": N}``."""

    def set_paused(self, dag_id: str, paused: bool) -> None: ...

    def is_paused(self, dag_id: str) -> bool: ...

    def get_dag_run(self, dag_id: str, ref: str) -> dict[str, Any]:
        """One run by execution date or run id (state, dates, conf)."""

    def list_dag_runs(self, dag_id: str, state: str | None = None) -> list[dict[str, Any]]:
        """The DAG's runs, oldest first."""

    def get_task_instance(
        self, dag_id: str, ref: str, task_id: str, map_index: int = -1
    ) -> dict[str, Any]: ...

    def get_pool(self, name: str) -> dict[str, Any]: ...

    def get_pools(self) -> list[dict[str, Any]]: ...

    def create_pool(self, name: str, slots: int | str, description: str) -> dict[str, Any]: ...

    def delete_pool(self, name: str) -> dict[str, Any]: ...

    def get_lineage(self, dag_id: str, execution_date: str) -> dict[str, Any]: ...
