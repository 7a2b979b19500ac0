"""``@task.bash``: a TaskFlow function that returns the bash command to run."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from tradewind.authoring.operators.bash import BashOperator
from tradewind.authoring.operators.python import callable_kwargs
from tradewind.authoring.taskflow import DecoratedPythonOperator
from tradewind.authoring.templating import render_template


class DecoratedBashOperator(DecoratedPythonOperator, BashOperator):
    """Calls the function (with its arguments and the context values it names) for the
    command, renders that as a template, and runs it as :class:`BashOperator` would: the
    last line of output is the return value; exit code 99 skips the task."""

    custom_operator_name = "@task.bash"
    template_fields: Sequence[str] = (
        *DecoratedPythonOperator.template_fields,
        *BashOperator.template_fields,
    )
    template_ext: Sequence[str] = ()  # the command is code, not the name of a script file

    def __init__(self, *, multiple_outputs: bool = False, **kwargs: Any) -> None:
        # The command is filled in at run time; the output is one string, never a dict.
        kwargs.setdefault("bash_command", "")
        super().__init__(multiple_outputs=False, **kwargs)
        if multiple_outputs:
            warnings.warn(
                f"multiple_outputs of @task.bash task {self.task_id!r} changes nothing: "
                "its return value is the command's last line of output",
                UserWarning,
                stacklevel=2,
            )

    def execute(self, context: Mapping[str, Any]) -> Any:
        kwargs = callable_kwargs(self.python_callable, self.op_args, context)
        kwargs.update(self.op_kwargs)
        command = self.python_callable(*self.op_args, **kwargs)
        if not isinstance(command, str) or not command.strip():
            raise TypeError(
                f"The function of @task.bash task {self.task_id!r} must return a non-empty "
                f"string (the bash command to run), got {command!r}"
            )
        self.bash_command = render_template(command, context, self.get_template_env())
        return BashOperator.execute(self, context)
