"""The geometry of the overview's status chart: one horizontal bar per line (a cohort,
or the national total), split into a segment per status. Pure, no database.

The template draws it as inline SVG; each segment carries its status and count as a
<title>, and every status a text label in the legend, so colour is never alone. A
suppressed count (`<10`) has no length: it is drawn as nothing and named in the
title, and the data table beside gives every figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .chart_axes import nice_top, quantize
from .overview import STATUS_LABELS
from .overview_rules import STATUSES

WIDTH = 640
LEFT = 120
RIGHT = 16
ROW = 28
TOP = 8
BOTTOM = 28
TICKS = 4
# Fill and pattern-free; the legend and titles carry the meaning in text.
FILLS = dict(zip(STATUSES, ("#2e7d32", "#7fa7d6", "#b0b0b0", "#e0a000", "#a4000f"), strict=True))


@dataclass(frozen=True)
class Segment:
    status: str
    label: str
    x: Decimal
    width: Decimal
    fill: str
    value: int | str


@dataclass(frozen=True)
class Line:
    label: str
    y: Decimal
    text_y: Decimal
    segments: list[Segment]


@dataclass(frozen=True)
class Tick:
    value: int
    x: Decimal


@dataclass(frozen=True)
class StatusChart:
    width: int
    height: int
    left: int
    bar_height: int
    axis_y: int
    lines: list[Line]
    ticks: list[Tick]


def status_bars(lines: list[tuple[str, list]]) -> StatusChart:
    """The chart of `lines`: (label, a count per status in STATUSES order; a str for a
    suppressed count) each."""
    plot = Decimal(WIDTH - LEFT - RIGHT)
    top = nice_top(
        Decimal(max([0] + [sum(v for v in values if isinstance(v, int)) for _l, values in lines]))
    )
    drawn = []
    for i, (label, values) in enumerate(lines):
        y = Decimal(TOP + ROW * i)
        x = Decimal(LEFT)
        segments = []
        for status, value in zip(STATUSES, values, strict=True):
            width = plot * Decimal(value) / top if isinstance(value, int) else Decimal(0)
            segments.append(
                Segment(
                    status,
                    str(STATUS_LABELS[status]),
                    quantize(x),
                    quantize(width),
                    FILLS[status],
                    value,
                )
            )
            x += width
        drawn.append(Line(label, y, y + Decimal(ROW - 8) / 2 + 4, segments))
    axis_y = TOP + ROW * len(lines)
    ticks = [
        Tick(top * i // TICKS, quantize(Decimal(LEFT) + plot * Decimal(i) / TICKS))
        for i in range(TICKS + 1)
    ]
    return StatusChart(WIDTH, axis_y + BOTTOM, LEFT, ROW - 8, axis_y, drawn, ticks)
