"""Server-side geometry of a run's Gantt chart: one row per task, one bar per piece of a try.

A piece is what :mod:`tradewind.execution.try_history` keeps (a whole try, or its stretch
before a reschedule or a deferral), or the task instance row's own try while it is still
queued or running. Each piece draws a grey bar for its wait in the queue and a bar in its
end state's colour for its run, so retries show as bars side by side on the task's row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

LABEL_WIDTH = 220
CHART_WIDTH = 760
ROW_HEIGHT = 26
BAR_HEIGHT = 16
AXIS_HEIGHT = 28
MARGIN = 10
TICKS = 6
MIN_BAR_WIDTH = 2  # a try of a few milliseconds is still a visible mark
MAX_LABEL_CHARS = 30
TICK_LABEL_ROOM = 24  # the last tick's label is centred on the right edge


@dataclass(frozen=True)
class Piece:
    """One try (or part of one) of one task instance, with the dates it has."""

    task_id: str
    map_index: int
    try_number: int
    state: str | None
    queued: datetime | None
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class Bar:
    task_id: str
    x: float
    width: float
    y: int
    kind: str  # "queued" or "run"
    state: str | None
    title: str  # shown as the bar's tooltip
    try_number: int
    map_index: int


@dataclass(frozen=True)
class Row:
    task_id: str
    label: str
    y: int
    map_index: int | None  # which instance the row links to; None: the task's instances


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class GanttLayout:
    rows: list[Row]
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: int
    start: datetime | None
    end: datetime | None
    label_width: int = LABEL_WIDTH
    row_height: int = ROW_HEIGHT
    bar_height: int = BAR_HEIGHT
    axis_height: int = AXIS_HEIGHT
    retried: set[str] = field(default_factory=set)  # task ids with more than one try


@dataclass(frozen=True)
class RowSpec:
    """A row to draw: a task (all its pieces) or one instance of a mapped task."""

    task_id: str
    label: str
    map_index: int | None
    pieces: Sequence[Piece]


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "\u2026"


def _span(pieces: Iterable[Piece], now: datetime) -> tuple[datetime, datetime] | None:
    starts: list[datetime] = []
    ends: list[datetime] = []
    for piece in pieces:
        first = piece.queued or piece.start
        if first is not None:
            starts.append(first)
            ends.append(piece.end or now)
    if not starts:
        return None
    return min(starts), max(max(ends), min(starts))


def elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _title(piece: Piece, now: datetime) -> str:
    """The tooltip: which try, its state, when it waited and ran, for how long."""
    parts = [f"try {piece.try_number}", piece.state or "no status"]
    if piece.map_index >= 0:
        parts.insert(0, f"[{piece.map_index}]")
    if piece.queued:
        parts.append(f"queued {piece.queued.isoformat(sep=' ', timespec='seconds')[:19]}")
    if piece.start:
        parts.append(f"started {piece.start.isoformat(sep=' ', timespec='seconds')[:19]}")
        ran = ((piece.end or now) - piece.start).total_seconds()
        parts.append(f"ran {elapsed(max(ran, 0.0))}" + ("" if piece.end else " so far"))
    return " \u00b7 ".join(parts)


def layout(rows: Sequence[RowSpec], now: datetime) -> GanttLayout:
    """Bars for ``rows`` on one time axis, from the first queueing to the last end (or now)."""
    everything = [piece for row in rows for piece in row.pieces]
    span = _span(everything, now)
    height = MARGIN * 2 + AXIS_HEIGHT + max(len(rows), 1) * ROW_HEIGHT
    width = LABEL_WIDTH + CHART_WIDTH + MARGIN * 2 + TICK_LABEL_ROOM
    placed = [
        Row(row.task_id, _short(row.label), MARGIN + AXIS_HEIGHT + i * ROW_HEIGHT, row.map_index)
        for i, row in enumerate(rows)
    ]
    if span is None:
        return GanttLayout(placed, [], [], width, height, None, None)
    start, end = span
    seconds = max((end - start).total_seconds(), 0.001)

    def x_of(when: datetime) -> float:
        return LABEL_WIDTH + MARGIN + (when - start).total_seconds() / seconds * CHART_WIDTH

    bars: list[Bar] = []
    retried: set[str] = set()
    for row, spec in zip(placed, rows, strict=True):
        y = row.y + (ROW_HEIGHT - BAR_HEIGHT) // 2
        if len({p.try_number for p in spec.pieces}) > 1:
            retried.add(spec.task_id)
        for piece in spec.pieces:
            title = _title(piece, now)
            if (piece.queued and piece.start is None) or (
                piece.queued and piece.start and piece.queued < piece.start
            ):
                assert piece.queued is not None
                until = piece.start or piece.end or now
                left, right = x_of(piece.queued), x_of(max(until, piece.queued))
                bars.append(
                    Bar(
                        piece.task_id,
                        left,
                        max(right - left, 1.0),
                        y,
                        "queued",
                        "queued",
                        title,
                        piece.try_number,
                        piece.map_index,
                    )
                )
            if piece.start is not None:
                left, right = x_of(piece.start), x_of(max(piece.end or now, piece.start))
                bars.append(
                    Bar(
                        piece.task_id,
                        left,
                        max(right - left, MIN_BAR_WIDTH),
                        y,
                        "run",
                        piece.state,
                        title,
                        piece.try_number,
                        piece.map_index,
                    )
                )
    ticks = [
        Tick(
            LABEL_WIDTH + MARGIN + CHART_WIDTH * i / (TICKS - 1),
            "+" + elapsed(seconds * i / (TICKS - 1)),
        )
        for i in range(TICKS)
    ]
    return GanttLayout(placed, bars, ticks, width, height, start, end, retried=retried)
