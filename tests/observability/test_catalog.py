"""The metric catalog and docs/observability.md agree, and names do not collide."""

from __future__ import annotations

import re
from pathlib import Path

from tradewind.config import OPTIONS
from tradewind.observability import catalog
from tradewind.observability.definitions import Kind

DOC = Path(__file__).parents[2] / "docs" / "observability.md"


def table() -> str:
    text = DOC.read_text()
    return text.split("<!-- metric-table -->")[1].split("<!-- /metric-table -->")[0]


def test_every_metric_is_in_the_documented_table_under_its_names() -> None:
    rows = table().splitlines()
    for metric in catalog.ALL:
        names = [f"`{name}`" for name in metric.statsd]
        if metric.name is not None:
            suffix = "_total" if metric.kind is Kind.COUNTER else ""
            names.append(f"`tradewind_{metric.name}{suffix}`")
        assert any(all(name in row for name in names) for row in rows), metric


def test_names_are_unique() -> None:
    prometheus = [m.name for m in catalog.ALL if m.name is not None]
    statsd = [name for m in catalog.ALL for name in m.statsd]
    assert len(prometheus) == len(set(prometheus))
    assert len(statsd) == len(set(statsd))


def test_every_metrics_key_is_documented() -> None:
    text = DOC.read_text()
    for key in OPTIONS["metrics"]:
        assert re.search(rf"^\| `{key}` \|", text, re.MULTILINE), key
