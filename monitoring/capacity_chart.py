"""The geometry of the capacity chart: seats published as bars, demand as a line.

Pure arithmetic, no database: the template draws what this returns as an inline
SVG (no script, no style attribute). Weeks over capacity carry a text mark above
their bar, so the chart does not rely on colour; the page gives the same figures
in a data table next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .chart_axes import nice_top as _nice_top
from .chart_axes import quantize as _q

WIDTH = 640
HEIGHT = 260
LEFT = 48  # room for the axis labels
RIGHT = 8
TOP = 24  # room for the over-capacity marks
BOTTOM = 36  # room for the week labels
TICKS = 4


@dataclass(frozen=True)
class Bar:
    label: str  # "W07"
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    centre: Decimal  # x of the demand point and of the labels
    demand_y: Decimal
    over: bool
    title: str


@dataclass(frozen=True)
class Tick:
    value: int
    y: Decimal


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    baseline: Decimal
    right: int
    bars: list[Bar]
    ticks: list[Tick]
    line: str  # the demand polyline's points

    @property
    def label_y(self) -> Decimal:
        return self.baseline + 16

    @property
    def mark_y(self) -> int:
        return TOP - 8


def chart(weeks: list[tuple[str, Decimal, int, bool, str]]) -> Chart:
    """The chart of `weeks`: (label, demand, seats published, over capacity, title) each."""
    plot_width = Decimal(WIDTH - LEFT - RIGHT)
    plot_height = Decimal(HEIGHT - TOP - BOTTOM)
    baseline = Decimal(HEIGHT - BOTTOM)
    top = _nice_top(max([Decimal(0)] + [max(d, Decimal(s)) for _l, d, s, _o, _t in weeks]))
    slot = plot_width / max(1, len(weeks))
    bars = []
    points = []
    for i, (label, demand, supply, over, title) in enumerate(weeks):
        height = plot_height * Decimal(supply) / top
        centre = Decimal(LEFT) + slot * i + slot / 2
        demand_y = baseline - plot_height * demand / top
        bars.append(
            Bar(
                label=label,
                x=_q(Decimal(LEFT) + slot * i + slot * Decimal("0.15")),
                y=_q(baseline - height),
                width=_q(slot * Decimal("0.7")),
                height=_q(height),
                centre=_q(centre),
                demand_y=_q(demand_y),
                over=over,
                title=title,
            )
        )
        points.append(f"{_q(centre)},{_q(demand_y)}")
    ticks = [
        Tick(value=top * i // TICKS, y=_q(baseline - plot_height * Decimal(i) / TICKS))
        for i in range(TICKS + 1)
    ]
    return Chart(WIDTH, HEIGHT, LEFT, baseline, WIDTH - RIGHT, bars, ticks, " ".join(points))
