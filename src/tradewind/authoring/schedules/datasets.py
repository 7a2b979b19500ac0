"""Timetables of DAGs scheduled on datasets.

A ``schedule`` of datasets never creates runs from the clock: the scheduler creates a
``dataset_triggered`` run when the DAG's dataset condition holds. ``DatasetOrTimeSchedule``
does both: runs on its time table, and dataset-triggered runs in between. The condition is
carried, serialized, so the scheduler evaluates it without the DAG file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tradewind.authoring.datasets import (
    BaseDataset,
    condition_from,
    deserialize_condition,
)
from tradewind.authoring.schedules.base import (
    BuiltinTimetable,
    DagRunInfo,
    DataInterval,
    Timetable,
)


class DatasetTriggeredTimetable(BuiltinTimetable):
    """``schedule=[Dataset(...), ...]`` or a ``&``/``|`` expression: runs on dataset events."""

    type_name = "dataset"
    can_be_scheduled = False
    periodic = False

    def __init__(self, datasets: BaseDataset | Iterable[BaseDataset]) -> None:
        self.dataset_condition: BaseDataset = condition_from(datasets)

    @property
    def summary(self) -> str:
        return "Dataset"

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        return None

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval.exact(run_after)

    def serialize(self) -> dict[str, Any]:
        return {"__type": self.type_name, "condition": self.dataset_condition.serialize()}


class DatasetOrTimeSchedule(BuiltinTimetable):
    """Runs on ``timetable`` and also whenever ``datasets`` are updated (Airflow 2.9+)."""

    type_name = "dataset_or_time"

    def __init__(
        self, *, timetable: Timetable, datasets: BaseDataset | Iterable[BaseDataset]
    ) -> None:
        if not isinstance(timetable, Timetable):
            raise TypeError(
                f"DatasetOrTimeSchedule timetable must be a Timetable, got {timetable!r}"
            )
        self.timetable = timetable
        self.dataset_condition = condition_from(datasets)
        self.can_be_scheduled = timetable.can_be_scheduled  # type: ignore[misc]
        self.periodic = timetable.periodic  # type: ignore[misc]

    @property
    def summary(self) -> str:
        return f"Dataset or {self.timetable.summary}"

    def next_run_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        return self.timetable.next_run_info(
            last_automated_data_interval=last_automated_data_interval,
            start_date=start_date,
            end_date=end_date,
            catchup=catchup,
            now=now,
        )

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return self.timetable.infer_manual_data_interval(run_after=run_after)

    def serialize(self) -> dict[str, Any]:
        return {
            "__type": self.type_name,
            "timetable": self.timetable.serialize(),
            "condition": self.dataset_condition.serialize(),
        }


def dataset_condition_of(timetable: Timetable) -> BaseDataset | None:
    """The dataset condition a timetable waits on, if any."""
    return getattr(timetable, "dataset_condition", None)


def condition_from_serialized(data: dict[str, Any]) -> BaseDataset:
    return deserialize_condition(data["condition"])


class AssetOrTimeSchedule(DatasetOrTimeSchedule):
    """Airflow 3's name: ``AssetOrTimeSchedule(timetable=..., assets=...)``."""

    def __init__(self, *, timetable: Timetable, assets: BaseDataset | Iterable[BaseDataset]):
        super().__init__(timetable=timetable, datasets=assets)

    type_name = "dataset_or_time"
