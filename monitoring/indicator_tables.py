"""The indicators' tables, folded from cells (decision 0033).

A cell is one count of one indicator (`measure`), split by `key` (a component code or
a ground) and `slot` (a bucket or a column), for one group of residents. The same fold
serves the live count (`monitoring.overview_indicators`) and the stored figures
(`monitoring.figures`), so both say the same for the same residents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

# Bounds of the duration buckets, in days (the last bucket is "longer").
FIRST_BOOKING_BOUNDS = (91, 182, 365)
WAIT_BOUNDS = (28, 56, 112)
ATTEMPT_BUCKETS = (0, 1, 2, 3)  # and "4 or more"

FIRST_BOOKING = "first_booking"
PASS_RATES = "pass_rates"  # noqa: S105 - a measure's name  # nosec B105
ATTEMPTS = "attempts"
WAITS = "waits"
TURNAROUND = "turnaround"
EXTENSIONS = "extensions"

NOT_BOOKED = -1  # first_booking's slot for "not booked yet"
# pass_rates' slots
FIRST_SAT, FIRST_PASSED, LATER_SAT, LATER_PASSED = range(4)
# turnaround's slots; ALL counts every result, so a component with none late shows
ON_TIME, LATE, OVERDUE, ALL = range(4)
# extensions' slots: per ground, decisions and days; PEOPLE (key "") residents with one
DECISIONS, DAYS, PEOPLE = range(3)


class Cell(NamedTuple):
    group: tuple | None  # (municipality id, cohort, route id, asylum) or None
    measure: str
    key: str
    slot: int
    n: int


@dataclass(frozen=True)
class Buckets:
    """Counts per duration bucket: bounds (days) and len(bounds) + 1 counts, plus none."""

    bounds: tuple[int, ...]
    counts: list[int]
    none: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts) + self.none


@dataclass(frozen=True)
class ComponentRates:
    component: str
    first_sat: int
    first_passed: int
    later_sat: int
    later_passed: int

    @staticmethod
    def rate(passed: int, sat: int) -> int | None:
        return None if not sat else round(100 * passed / sat)

    @property
    def first_rate(self) -> int | None:
        return self.rate(self.first_passed, self.first_sat)

    @property
    def later_rate(self) -> int | None:
        return self.rate(self.later_passed, self.later_sat)


@dataclass(frozen=True)
class Turnaround:
    component: str
    on_time: int
    late: int
    overdue: int  # not released and past the norm today


@dataclass(frozen=True)
class Extensions:
    by_ground: list[tuple[str, int, int]]  # (ground, decisions, days)
    candidates: int


@dataclass(frozen=True)
class Indicators:
    first_booking: Buckets
    pass_rates: list[ComponentRates]
    attempts: dict[str, list[int]]
    waits: dict[str, list[int]]
    turnaround: list[Turnaround]
    extensions: Extensions


def _sums(cells: Iterable[Cell]) -> dict[str, dict[str, dict[int, int]]]:
    """measure -> key -> slot -> summed n."""
    out: dict[str, dict[str, dict[int, int]]] = {}
    for cell in cells:
        slots = out.setdefault(cell.measure, {}).setdefault(cell.key, {})
        slots[cell.slot] = slots.get(cell.slot, 0) + cell.n
    return out


def _row(slots: dict[int, int], width: int) -> list[int]:
    return [slots.get(i, 0) for i in range(width)]


def indicators_of(cells: Iterable[Cell]) -> Indicators:
    """Every indicator's table from cells of any groups (they are summed)."""
    sums = _sums(cells)
    booked = sums.get(FIRST_BOOKING, {}).get("", {})
    rates = sums.get(PASS_RATES, {})
    turnaround = sums.get(TURNAROUND, {})
    extensions = sums.get(EXTENSIONS, {})
    return Indicators(
        first_booking=Buckets(
            FIRST_BOOKING_BOUNDS,
            _row(booked, len(FIRST_BOOKING_BOUNDS) + 1),
            booked.get(NOT_BOOKED, 0),
        ),
        pass_rates=[ComponentRates(code, *_row(rates[code], 4)) for code in sorted(rates)],
        attempts={
            code: _row(slots, len(ATTEMPT_BUCKETS) + 1)
            for code, slots in sorted(sums.get(ATTEMPTS, {}).items())
        },
        waits={
            code: _row(slots, len(WAIT_BOUNDS) + 1)
            for code, slots in sorted(sums.get(WAITS, {}).items())
        },
        turnaround=[Turnaround(code, *_row(turnaround[code], 3)) for code in sorted(turnaround)],
        extensions=Extensions(
            [
                (ground, slots.get(DECISIONS, 0), slots.get(DAYS, 0))
                for ground, slots in sorted(extensions.items())
                if ground
            ],
            extensions.get("", {}).get(PEOPLE, 0),
        ),
    )
