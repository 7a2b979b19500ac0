"""Server-side geometry of a DAG's run-duration chart: one column per run, oldest left.

Each column stacks the run's wait in the queue (grey) under its running time (its
state's colour), on a y axis scaled to the longest run, so a run that took twice as
long as usual stands out without a JS charting library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tradewind.www.gantt import elapsed
from tradewind.www.history_queries import RunDuration

PLOT_HEIGHT = 240
AXIS_WIDTH = 64
BOTTOM = 34
TOP = 12
MARGIN = 10
MAX_COLUMN_WIDTH = 36
PLOT_WIDTH = 900
Y_TICKS = 5
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Column:
    run_id: str
    state: str
    x: float
    width: float
    run_y: float
    run_height: float
    queued_y: float
    queued_height: float
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class DurationChart:
    columns: list[Column]
    y_ticks: list[Tick]
    x_labels: list[Tick]
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    longest: float  # seconds at the top of the y axis


def _nice_top(seconds: float) -> float:
    """A round value at or above ``seconds`` for the top of the axis (1, 2, 5 x 10^n)."""
    if seconds <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= seconds:
        step *= 10
    while step > seconds * 10:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= seconds:
            return step * factor
    return step * 10


def chart(runs: Sequence[RunDuration], now: datetime) -> DurationChart:
    totals = [(run.seconds(now) or 0.0) + (run.waited() or 0.0) for run in runs]
    top = _nice_top(max(totals, default=0.0))
    count = max(len(runs), 1)
    slot = PLOT_WIDTH / count
    width = min(MAX_COLUMN_WIDTH, slot * 0.7)
    left = AXIS_WIDTH + MARGIN
    bottom = TOP + PLOT_HEIGHT
    scale = PLOT_HEIGHT / top
    columns = []
    for index, run in enumerate(runs):
        ran, waited = run.seconds(now) or 0.0, run.waited() or 0.0
        x = left + index * slot + (slot - width) / 2
        queued_height = waited * scale
        run_height = ran * scale
        title = (
            f"{run.run_id} \u00b7 {run.state} \u00b7 ran {elapsed(ran)}"
            + ("" if run.end_date or run.start_date is None else " so far")
            + (f" \u00b7 queued {elapsed(waited)}" if run.queued_at else "")
        )
        columns.append(
            Column(
                run_id=run.run_id,
                state=run.state,
                x=x,
                width=width,
                run_y=bottom - queued_height - run_height,
                run_height=run_height,
                queued_y=bottom - queued_height,
                queued_height=queued_height,
                title=title,
            )
        )
    y_ticks = [
        Tick(bottom - PLOT_HEIGHT * i / (Y_TICKS - 1), elapsed(top * i / (Y_TICKS - 1)))
        for i in range(Y_TICKS)
    ]
    every = max(1, -(-len(runs) // MAX_X_LABELS))
    x_labels = [
        Tick(left + index * slot + slot / 2, run.execution_date.strftime("%m-%d %H:%M"))
        for index, run in enumerate(runs)
        if index % every == 0
    ]
    return DurationChart(
        columns=columns,
        y_ticks=y_ticks,
        x_labels=x_labels,
        width=int(left + PLOT_WIDTH + MARGIN),
        height=int(bottom + BOTTOM),
        plot_left=left,
        plot_bottom=bottom,
        longest=top,
    )
