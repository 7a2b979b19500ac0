"""A manual run's data interval from a user's timetable, asked in a child process.

The API, the CLI and the scheduler never import a user's timetable class (see
``PlannedTimetable``), yet a manual run should get the interval the class's
``infer_manual_data_interval`` gives, as in Airflow. So the question goes to a short-lived
child, like a DAG file's parse: it reads the configuration as every Tradewind process does,
puts the DAG and plugins folders on ``sys.path`` (and the ``airflow`` names, with
``[core] airflow_compat``), rebuilds the timetable from its stored ``__var`` and answers
in JSON. It costs a process start per manual run of such a DAG (a few hundred ms); if it
fails or times out, the run gets the zero-length interval at its date and a warning says
why.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
from datetime import datetime

from tradewind.authoring.schedules import DataInterval, PlannedTimetable
from tradewind.authoring.timezone import parse_datetime

log = logging.getLogger(__name__)

#: Seconds the child may take (it imports the plugin module and Tradewind).
TIMEOUT = 30.0


def infer_in_child(timetable: PlannedTimetable, run_after: datetime) -> DataInterval:
    request = {
        "classpath": timetable.classpath,
        "var": timetable.var,
        "run_after": run_after.isoformat(),
    }
    try:
        answer = subprocess.run(
            [sys.executable, "-m", "tradewind.dagfiles.manual_interval"],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if answer.returncode != 0:
            raise RuntimeError(answer.stderr.strip().splitlines()[-1:] or answer.returncode)
        start, end = json.loads(answer.stdout.strip().splitlines()[-1])
        return DataInterval(parse_datetime(start), parse_datetime(end))
    except Exception as exc:
        log.warning(
            "%s.infer_manual_data_interval(run_after=%s) failed (%s): the manual run covers "
            "only its logical date",
            timetable.classpath,
            run_after.isoformat(),
            exc,
        )
        return DataInterval.exact(run_after)


def _answer() -> None:
    """The child: read the request on stdin, print ``[start, end]``."""
    from tradewind import compat
    from tradewind.config import load_config
    from tradewind.dagfiles.discovery import import_folders
    from tradewind.dagfiles.loader import ensure_importable

    request = json.loads(sys.stdin.read())
    config = load_config(dict(os.environ), write_file=False)
    compat.install(config)
    ensure_importable(import_folders(config))
    module_name, _, class_name = request["classpath"].rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    timetable = cls.deserialize(request["var"])
    interval = timetable.infer_manual_data_interval(run_after=parse_datetime(request["run_after"]))
    print(json.dumps([interval.start.isoformat(), interval.end.isoformat()]))


if __name__ == "__main__":
    _answer()
