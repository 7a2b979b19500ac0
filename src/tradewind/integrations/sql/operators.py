"""``SQLExecuteQueryOperator`` and ``PostgresOperator``: run SQL, push the rows to XCom."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tradewind.authoring.baseoperator import BaseOperator
from tradewind.exceptions import AirflowException
from tradewind.integrations.base_hook import BaseHook
from tradewind.integrations.sql.hook import DbApiHook, fetch_all_handler

log = logging.getLogger("tradewind.task")


class SQLExecuteQueryOperator(BaseOperator):
    """Runs ``sql`` (a statement, a list of them or a ``.sql`` file) on ``conn_id``.

    What ``handler`` makes of each statement's cursor (every row, by default) is the
    task's return value, so downstream tasks can pull it from XCom: one statement's result
    for a single ``sql`` string, the list of them for a list.
    """

    template_fields: Sequence[str] = ("sql", "parameters", "conn_id", "hook_params")
    template_ext: Sequence[str] = (".sql", ".json")
    ui_color = "#cdaaed"

    def __init__(
        self,
        *,
        sql: str | list[str],
        conn_id: str | None = None,
        autocommit: bool = False,
        parameters: Mapping[str, Any] | Sequence[Any] | None = None,
        handler: Callable[[Any], Any] = fetch_all_handler,
        split_statements: bool | None = None,
        return_last: bool = True,
        show_return_value_in_logs: bool = False,
        database: str | None = None,
        hook_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.conn_id = conn_id
        self.autocommit = autocommit
        self.parameters = parameters
        self.handler = handler
        self.split_statements = bool(split_statements)
        self.return_last = return_last
        self.show_return_value_in_logs = show_return_value_in_logs
        self.database = database
        self.hook_params = dict(hook_params or {})

    def get_db_hook(self) -> DbApiHook:
        if not self.conn_id:
            raise AirflowException(f"{type(self).__name__} {self.task_id!r} needs a conn_id")
        params = dict(self.hook_params)
        if self.database:
            params["schema"] = self.database
        hook = BaseHook.get_hook(self.conn_id, hook_params=params)
        if not isinstance(hook, DbApiHook):
            raise AirflowException(
                f"connection {self.conn_id!r} is not a SQL database (its hook is "
                f"{type(hook).__name__})"
            )
        return hook

    def execute(self, context: Mapping[str, Any]) -> Any:
        hook = self.get_db_hook()
        log.info("Executing: %s", self.sql)
        result = hook.run(
            self.sql,
            autocommit=self.autocommit,
            parameters=self.parameters,
            handler=self.handler if self.do_xcom_push else None,
            split_statements=self.split_statements,
            return_last=self.return_last,
        )
        if self.show_return_value_in_logs:
            log.info("Operator output is: %s", result)
        return _json_friendly(result)


class PostgresOperator(SQLExecuteQueryOperator):
    """Airflow's ``PostgresOperator``: ``SQLExecuteQueryOperator`` with ``postgres_conn_id``."""

    def __init__(
        self,
        *,
        sql: str | list[str],
        postgres_conn_id: str = "postgres_default",
        database: str | None = None,
        runtime_parameters: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if runtime_parameters:
            warnings.warn(
                "PostgresOperator's runtime_parameters are not applied by Tradewind; "
                "put SET statements in sql instead",
                UserWarning,
                stacklevel=2,
            )
        super().__init__(sql=sql, conn_id=postgres_conn_id, database=database, **kwargs)


def _json_friendly(result: Any) -> Any:
    """Rows as lists (what XCom stores); values JSON cannot hold become their text."""
    if isinstance(result, tuple | list):
        return [_json_friendly(item) for item in result]
    if result is None or isinstance(result, str | int | float | bool | dict):
        return result
    return str(result)
