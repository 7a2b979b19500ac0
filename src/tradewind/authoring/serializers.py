"""How arguments and return values cross into another interpreter: Airflow's ``serializer``.

``pickle`` (the standard library's, the default) carries plain data; ``cloudpickle`` and
``dill`` carry more (lambdas in arguments, ...) but must be installed on both sides: here
(checked when the DAG is defined) and in the target interpreter (a virtualenv gets the
package added to its requirements; an external interpreter must have it).
"""

from __future__ import annotations

import importlib.util

from tradewind.exceptions import DagDefinitionError

#: ``serializer`` value -> the module both sides import.
SERIALIZERS = {"pickle": "pickle", "cloudpickle": "cloudpickle", "dill": "dill"}


def check_serializer(name: str, task_id: str) -> str:
    """The module name for ``name``; a clear error if unknown or not installed here."""
    module = SERIALIZERS.get(name)
    if module is None:
        raise DagDefinitionError(
            f"serializer {name!r} of task {task_id!r} is not one of {', '.join(SERIALIZERS)}"
        )
    if importlib.util.find_spec(module) is None:
        raise DagDefinitionError(
            f"serializer {name!r} of task {task_id!r} needs the {module!r} package, which is "
            f"not installed (pip install {module}), or use serializer='pickle'"
        )
    return module
