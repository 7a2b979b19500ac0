"""The dataset parts of a task's context: ``outlet_events``, ``inlet_events`` and
``triggering_dataset_events``.

``outlet_events`` collects, while the task runs, the ``extra`` of each outlet's event and
the datasets a task attaches to an alias; the runner records those events when the try
succeeds. Reading past events needs the database, which authoring never imports: the
runner passes an :class:`EventSource` that reads them on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tradewind.authoring.datasets import BaseDataset, Dataset, DatasetAlias


@dataclass(frozen=True)
class DatasetEventInfo:
    """One recorded update of a dataset, as a task sees it (Airflow's ``DatasetEvent``)."""

    id: int
    uri: str
    extra: dict[str, Any]
    timestamp: datetime
    source_dag_id: str | None = None
    source_task_id: str | None = None
    source_run_id: str | None = None
    source_map_index: int = -1
    source_aliases: tuple[str, ...] = ()

    @property
    def dataset(self) -> Dataset:
        return Dataset(self.uri)

    asset = dataset  # Airflow 3's name


class EventSource(Protocol):
    """How the runner lets a task read recorded events."""

    def events_of(self, uri: str) -> list[DatasetEventInfo]:
        """Every event of this dataset, oldest first."""
        ...

    def triggering_events(self) -> dict[str, list[DatasetEventInfo]]:
        """The events that triggered this run, by dataset URI."""
        ...

    def events_of_alias(self, name: str) -> list[DatasetEventInfo]:
        """Every event added through this alias, oldest first."""
        ...


class NoEvents:
    """The source when no database is at hand (rendering a template outside a run)."""

    def events_of(self, uri: str) -> list[DatasetEventInfo]:
        return []

    def triggering_events(self) -> dict[str, list[DatasetEventInfo]]:
        return {}

    def events_of_alias(self, name: str) -> list[DatasetEventInfo]:
        return []


@dataclass
class OutletEventAccessor:
    """``outlet_events[dataset]``: set ``.extra`` for the event this success records;
    for an alias, ``.add(Dataset(...), extra=...)`` attaches a dataset to it."""

    key: BaseDataset
    extra: dict[str, Any] = field(default_factory=dict)
    added: list[tuple[Dataset, dict[str, Any]]] = field(default_factory=list)

    def add(self, dataset: Dataset, extra: dict[str, Any] | None = None) -> None:
        if not isinstance(self.key, DatasetAlias):
            raise TypeError(f"outlet_events[{self.key!r}].add() is only for a DatasetAlias outlet")
        if not isinstance(dataset, Dataset):
            raise TypeError(f"add() takes a Dataset, got {type(dataset).__name__} {dataset!r}")
        self.added.append((dataset, dict(extra or {})))


class OutletEventAccessors(Mapping[BaseDataset, OutletEventAccessor]):
    """``outlet_events``: one accessor per dataset or alias, made on first use."""

    def __init__(self) -> None:
        self._accessors: dict[BaseDataset, OutletEventAccessor] = {}

    def __getitem__(self, key: BaseDataset) -> OutletEventAccessor:
        if isinstance(key, str):
            key = Dataset(key)
        if not isinstance(key, Dataset | DatasetAlias):
            raise KeyError(f"outlet_events takes a Dataset or a DatasetAlias, not {key!r}")
        if key not in self._accessors:
            self._accessors[key] = OutletEventAccessor(key)
        return self._accessors[key]

    def __iter__(self) -> Iterator[BaseDataset]:
        return iter(self._accessors)

    def __len__(self) -> int:
        return len(self._accessors)


def events_to_record(outlets: list[Any], accessors: OutletEventAccessors) -> list[dict[str, Any]]:
    """The events a successful try records: one per Dataset outlet (its ``extra`` from
    ``outlet_events``), one per dataset added to an alias outlet. JSON-ready dicts."""
    events: list[dict[str, Any]] = []
    for outlet in outlets:
        if isinstance(outlet, Dataset):
            extra = accessors[outlet].extra if outlet in accessors else {}
            events.append({"uri": outlet.uri, "extra": dict(extra), "aliases": []})
        elif isinstance(outlet, DatasetAlias) and outlet in accessors:
            for dataset, extra in accessors[outlet].added:
                events.append({"uri": dataset.uri, "extra": extra, "aliases": [outlet.name]})
    return events


class InletEventsAccessors(Mapping[BaseDataset, list[DatasetEventInfo]]):
    """``inlet_events[dataset]``: the recorded events of one of the task's inlets."""

    def __init__(self, inlets: list[Any], source: EventSource) -> None:
        self._inlets = [item for item in inlets if isinstance(item, Dataset | DatasetAlias)]
        self._source = source

    def __getitem__(self, key: BaseDataset | int) -> list[DatasetEventInfo]:
        if isinstance(key, int):
            key = self._inlets[key]
        if key not in self._inlets:
            raise KeyError(f"{key!r} is not an inlet of this task (inlets: {self._inlets!r})")
        if isinstance(key, Dataset):
            return self._source.events_of(key.uri)
        assert isinstance(key, DatasetAlias)
        return self._source.events_of_alias(key.name)

    def __iter__(self) -> Iterator[BaseDataset]:
        return iter(self._inlets)

    def __len__(self) -> int:
        return len(self._inlets)


class LazyTriggeringEvents(Mapping[str, list[DatasetEventInfo]]):
    """``triggering_dataset_events``: read from the database on first use."""

    def __init__(self, load: Callable[[], dict[str, list[DatasetEventInfo]]]) -> None:
        self._load = load
        self._events: dict[str, list[DatasetEventInfo]] | None = None

    def _loaded(self) -> dict[str, list[DatasetEventInfo]]:
        if self._events is None:
            self._events = self._load()
        return self._events

    def __getitem__(self, key: str | Dataset) -> list[DatasetEventInfo]:
        return self._loaded()[key.uri if isinstance(key, Dataset) else key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def dataset_context(
    inlets: list[Any], source: EventSource | None, outlet_events: OutletEventAccessors | None
) -> dict[str, Any]:
    """The context keys about datasets."""
    source = source or NoEvents()
    return {
        "outlet_events": outlet_events if outlet_events is not None else OutletEventAccessors(),
        "inlet_events": InletEventsAccessors(inlets, source),
        "triggering_dataset_events": LazyTriggeringEvents(source.triggering_events),
    }


def call_collecting_metadata(
    func: Callable[..., Any], args: Any, kwargs: dict[str, Any], context: Any
) -> Any:
    """Call a task's callable; a generator's ``Metadata`` yields go to ``outlet_events``
    and its ``return`` value is the task's result (Airflow 2.10's behaviour)."""
    import inspect

    from tradewind.authoring.datasets import Metadata

    if not inspect.isgeneratorfunction(func):
        return func(*args, **kwargs)
    outlet_events = context.get("outlet_events") if hasattr(context, "get") else None
    generator = func(*args, **kwargs)
    while True:
        try:
            item = next(generator)
        except StopIteration as stop:
            return stop.value
        if isinstance(item, Metadata) and outlet_events is not None:
            if item.alias is not None:
                outlet_events[item.alias].add(item.target, extra=item.extra)
            else:
                outlet_events[item.target].extra.update(item.extra)
