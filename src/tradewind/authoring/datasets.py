"""Datasets: what a task updates (``outlets``) and what a DAG waits for (``schedule``).

A dataset is a URI; Tradewind never looks at the data behind it. Conditions are trees of
:class:`Dataset`, :class:`DatasetAlias`, :class:`DatasetAll` (``&``, and a plain list) and
:class:`DatasetAny` (``|``). They serialize to plain JSON, so the scheduler evaluates a
DAG's condition from the serialized DAG without importing its file (:func:`evaluate`).
Airflow 3 calls these Assets; the names in :mod:`tradewind.compat` map both.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

#: Airflow's limit on a dataset URI's length.
MAX_URI_LENGTH = 3000


class BaseDataset:
    """Something a DAG can be scheduled on; combine with ``&`` (all) and ``|`` (any)."""

    def __and__(self, other: BaseDataset) -> DatasetAll:
        _check_condition(other, "&")
        return DatasetAll(self, other)

    def __or__(self, other: BaseDataset) -> DatasetAny:
        _check_condition(other, "|")
        return DatasetAny(self, other)

    def iter_datasets(self) -> Iterator[Dataset]:
        """Every plain dataset in this condition (aliases excluded)."""
        return iter(())

    def iter_aliases(self) -> Iterator[DatasetAlias]:
        return iter(())

    def serialize(self) -> dict[str, Any]:
        raise NotImplementedError


def _check_condition(other: object, operator: str) -> None:
    if not isinstance(other, BaseDataset):
        raise TypeError(
            f"a dataset can be combined with {operator!r} only with another Dataset, "
            f"DatasetAlias, DatasetAll or DatasetAny, not {type(other).__name__} {other!r}"
        )


def validate_uri(uri: object) -> str:
    """The URI as stored; raises ``ValueError``/``TypeError`` naming what is wrong with it.

    Airflow's rules: a non-empty ASCII string of at most 3000 characters that is not only
    whitespace, whose scheme is not ``airflow`` (reserved). User info (``user:pw@host``)
    is accepted with a warning, as Airflow 2.9 does.
    """
    if not isinstance(uri, str):
        raise TypeError(f"a dataset URI must be a string, got {type(uri).__name__} {uri!r}")
    if not uri:
        raise ValueError("dataset URI cannot be empty")
    if uri.isspace():
        raise ValueError(f"dataset URI cannot be just whitespace: {uri!r}")
    if len(uri) > MAX_URI_LENGTH:
        raise ValueError(f"dataset URI is {len(uri)} characters long; at most {MAX_URI_LENGTH}")
    if not uri.isascii():
        raise ValueError(f"dataset URI must only consist of ASCII characters: {uri!r}")
    parts = urlsplit(uri)
    if parts.scheme.lower() == "airflow":
        raise ValueError(f"dataset URI scheme 'airflow' is reserved: {uri!r}")
    if parts.username or parts.password:
        warnings.warn(
            f"dataset URI {uri!r} contains user info; a dataset URI should not carry credentials",
            UserWarning,
            stacklevel=3,
        )
    return uri


class Dataset(BaseDataset):
    """One dataset, named by its URI; ``extra`` is free JSON kept with the dataset."""

    def __init__(self, uri: str, extra: dict[str, Any] | None = None) -> None:
        self.uri = validate_uri(uri)
        if extra is not None and not isinstance(extra, dict):
            raise TypeError(f"Dataset extra must be a dict, got {type(extra).__name__}")
        self.extra: dict[str, Any] = dict(extra or {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dataset) and other.uri == self.uri

    def __hash__(self) -> int:
        return hash(("dataset", self.uri))

    def __repr__(self) -> str:
        return (
            f"Dataset(uri={self.uri!r})"
            if not self.extra
            else (f"Dataset(uri={self.uri!r}, extra={self.extra!r})")
        )

    def __fspath__(self) -> str:  # Airflow's Dataset is usable where a path is expected
        return self.uri

    @property
    def name(self) -> str:
        """Airflow 3's Asset has a name; for a URI-only dataset it is the URI."""
        return self.uri

    def iter_datasets(self) -> Iterator[Dataset]:
        yield self

    def serialize(self) -> dict[str, Any]:
        return {"__type": "dataset", "uri": self.uri, "extra": self.extra}


class DatasetAlias(BaseDataset):
    """A name a task attaches datasets to while it runs (``outlet_events[alias].add(...)``)."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"DatasetAlias needs a non-empty name, got {name!r}")
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatasetAlias) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("alias", self.name))

    def __repr__(self) -> str:
        return f"DatasetAlias(name={self.name!r})"

    def iter_aliases(self) -> Iterator[DatasetAlias]:
        yield self

    def serialize(self) -> dict[str, Any]:
        return {"__type": "dataset_alias", "name": self.name}


class _DatasetBooleanCondition(BaseDataset):
    kind: str = ""
    symbol: str = ""

    def __init__(self, *objects: BaseDataset) -> None:
        for item in objects:
            if not isinstance(item, BaseDataset):
                raise TypeError(
                    f"{type(self).__name__} takes datasets, aliases or conditions, "
                    f"not {type(item).__name__} {item!r}"
                )
        self.objects: tuple[BaseDataset, ...] = objects

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.objects == self.objects

    def __hash__(self) -> int:
        return hash((self.kind, self.objects))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.objects))})"

    def iter_datasets(self) -> Iterator[Dataset]:
        seen: set[str] = set()
        for item in self.objects:
            for dataset in item.iter_datasets():
                if dataset.uri not in seen:
                    seen.add(dataset.uri)
                    yield dataset

    def iter_aliases(self) -> Iterator[DatasetAlias]:
        for item in self.objects:
            yield from item.iter_aliases()

    def serialize(self) -> dict[str, Any]:
        return {"__type": self.kind, "objects": [item.serialize() for item in self.objects]}


class DatasetAll(_DatasetBooleanCondition):
    """True once every member was updated (``a & b``; a list in ``schedule`` means this)."""

    kind = "dataset_all"

    def __and__(self, other: BaseDataset) -> DatasetAll:
        _check_condition(other, "&")
        return DatasetAll(*self.objects, other)


class DatasetAny(_DatasetBooleanCondition):
    """True once any member was updated (``a | b``)."""

    kind = "dataset_any"

    def __or__(self, other: BaseDataset) -> DatasetAny:
        _check_condition(other, "|")
        return DatasetAny(*self.objects, other)


def condition_from(schedule: Iterable[Any] | BaseDataset) -> BaseDataset:
    """A DAG's ``schedule`` of datasets as one condition: a list means "all of them"."""
    if isinstance(schedule, BaseDataset):
        return schedule
    items = list(schedule)
    if not items:
        raise ValueError("a dataset schedule needs at least one Dataset")
    return DatasetAll(*items)


def deserialize_condition(data: dict[str, Any]) -> BaseDataset:
    """Inverse of :meth:`BaseDataset.serialize`."""
    kind = data.get("__type")
    if kind == "dataset":
        return Dataset(data["uri"], data.get("extra") or None)
    if kind == "dataset_alias":
        return DatasetAlias(data["name"])
    if kind == "dataset_all":
        return DatasetAll(*(deserialize_condition(item) for item in data["objects"]))
    if kind == "dataset_any":
        return DatasetAny(*(deserialize_condition(item) for item in data["objects"]))
    raise ValueError(f"unknown serialized dataset condition {kind!r}")


def evaluate(
    data: dict[str, Any], updated: set[str], alias_uris: dict[str, set[str]] | None = None
) -> bool:
    """Whether a serialized condition holds, given the URIs updated (queued) since the
    DAG's last dataset-triggered run; an alias holds when any dataset it resolved to did."""
    kind = data.get("__type")
    if kind == "dataset":
        return data["uri"] in updated
    if kind == "dataset_alias":
        return bool((alias_uris or {}).get(data["name"], set()) & updated)
    results = (evaluate(item, updated, alias_uris) for item in data.get("objects", ()))
    if kind == "dataset_all":
        return all(results)
    if kind == "dataset_any":
        return any(results)
    raise ValueError(f"unknown serialized dataset condition {kind!r}")


def summary(condition: BaseDataset) -> str:
    """What the DAG list shows as the schedule, e.g. ``Dataset`` or ``(a & b) | c``."""
    if isinstance(condition, Dataset):
        return condition.uri
    if isinstance(condition, DatasetAlias):
        return f"alias:{condition.name}"
    if isinstance(condition, _DatasetBooleanCondition):
        symbol = " & " if isinstance(condition, DatasetAll) else " | "
        inner = symbol.join(
            f"({summary(item)})" if isinstance(item, _DatasetBooleanCondition) else summary(item)
            for item in condition.objects
        )
        return inner
    return repr(condition)


# --- Airflow 3's names -----------------------------------------------------------------------


class Asset(Dataset):
    """Airflow 3's ``Asset(name, uri, *, group, extra)``: a dataset with a name.

    Either may be given; the one missing takes the other's value, as in Airflow. Tradewind
    tracks assets by URI.
    """

    def __init__(
        self,
        name: str | None = None,
        uri: str | None = None,
        *,
        group: str = "asset",
        extra: dict[str, Any] | None = None,
        watchers: list[Any] | None = None,
    ) -> None:
        if name is None and uri is None:
            raise TypeError("Asset() needs a name or a uri")
        if watchers:
            warnings.warn(
                "Asset watchers are not implemented by Tradewind and are ignored",
                UserWarning,
                stacklevel=2,
            )
        super().__init__(uri if uri is not None else str(name), extra)
        self._name = name if name is not None else self.uri
        self.group = group

    @property
    def name(self) -> str:
        return self._name


class AssetAlias(DatasetAlias):
    """Airflow 3's name for :class:`DatasetAlias`."""

    def __init__(self, name: str, group: str = "asset") -> None:
        super().__init__(name)
        self.group = group


class AssetAll(DatasetAll):
    """Airflow 3's name for :class:`DatasetAll`."""


class AssetAny(DatasetAny):
    """Airflow 3's name for :class:`DatasetAny`."""


class Metadata:
    """What a generator task yields to set an outlet event's ``extra`` (Airflow 2.10).

    ``yield Metadata(Dataset("s3://x"), {"rows": 3})`` is ``outlet_events[...].extra``;
    with ``alias=`` the dataset is attached to that alias, like ``outlet_events[alias].add``.
    """

    def __init__(
        self,
        target: Dataset | str,
        extra: dict[str, Any],
        alias: DatasetAlias | str | None = None,
    ) -> None:
        self.target = target if isinstance(target, Dataset) else Dataset(target)
        if not isinstance(extra, dict):
            raise TypeError(f"Metadata extra must be a dict, got {type(extra).__name__}")
        self.extra = extra
        self.alias = DatasetAlias(alias) if isinstance(alias, str) else alias

    def __repr__(self) -> str:
        return f"Metadata({self.target!r}, {self.extra!r}, alias={self.alias!r})"
