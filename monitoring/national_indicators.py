"""The national view's indicators: the overview's indicator tables summed over every
municipality, each published with small cells suppressed (decisions 0019 and 0035).

Each table is suppressed on its own (`suppression.suppress`, or `suppress_list` for a
single column) over counts that do not overlap, and only its cells are shown, no
totals: fewer numbers published than `suppress` allows for. Two tables count the same
released results of a component, split two ways (pass rates: attempt and outcome;
turnaround: on time or late), so the sum of one row is the sum of the other: a
component's turnaround is shown only when both its numbers may be and its pass-rate
row hides nothing, else both are hidden. "Sat" and a pass rate are shown only where
both counts they come from are. Days of extensions are left out (a sum of days over
few decisions would tell their number).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .indicator_tables import Buckets, Indicators
from .suppression import Published, Table, marker_for, suppress, suppress_list

WAIT_COLUMNS = (_("Under 4 weeks"), _("4 to 8 weeks"), _("8 to 16 weeks"), _("16 weeks or more"))
FIRST_BOOKING_ROWS = (
    _("Within 3 months"),
    _("3 to 6 months"),
    _("6 to 12 months"),
    _("More than 12 months"),
    _("Not booked yet"),
)


@dataclass(frozen=True)
class PublishedIndicator:
    """One indicator's table as the national view shows it."""

    slug: str
    heading: str
    caption: str
    row_heading: str
    columns: list[str]
    lines: list[tuple[str, list[Published]]]


def _table(rows: list[str], columns: list[str], cells: list[list[int]], threshold: int):
    if not rows:
        return []
    published = suppress(Table(rows, columns, cells), threshold=threshold)
    return [(label, list(values)) for label, values, _total in published.lines()]


def _column(labels: list[str], counts: list[int], threshold: int):
    if not labels:
        return []
    published = suppress_list(labels, counts, threshold=threshold)
    return [(label, [value]) for label, value in published.items()]


def _shown(*values: Published) -> bool:
    return all(isinstance(v, int) for v in values)


def _first_booking(buckets: Buckets, threshold: int) -> PublishedIndicator:
    return PublishedIndicator(
        "first-booking",
        str(_("Time from the start of the obligation to the first booking")),
        str(_("Residents by time to their first booking")),
        str(_("Time")),
        [str(_("Residents"))],
        _column(
            [str(label) for label in FIRST_BOOKING_ROWS],
            [*buckets.counts, buckets.none],
            threshold,
        ),
    )


def _pass_rates(indicators: Indicators, threshold: int) -> list[tuple[str, list[Published]]]:
    """Per component: passed and failed at the first attempt, then at later ones."""
    rates = indicators.pass_rates
    return _table(
        [r.component for r in rates],
        ["first passed", "first failed", "later passed", "later failed"],
        [
            [
                r.first_passed,
                r.first_sat - r.first_passed,
                r.later_passed,
                r.later_sat - r.later_passed,
            ]
            for r in rates
        ],
        threshold,
    )


def _pass_rate_table(lines: list[tuple[str, list[Published]]]) -> PublishedIndicator:
    shown = []
    for code, (passed, failed, later_passed, later_failed) in lines:
        first = _sat(passed, failed)
        later = _sat(later_passed, later_failed)
        shown.append(
            (
                code,
                [
                    first,
                    passed,
                    _rate(passed, first),
                    later,
                    later_passed,
                    _rate(later_passed, later),
                ],
            )
        )
    return PublishedIndicator(
        "pass-rates",
        str(_("Pass rate per component")),
        str(_("Released results of exams sat, at the first attempt and at later ones")),
        str(_("Component")),
        [
            str(_("First attempt: sat")),
            str(_("passed")),
            "%",
            str(_("Later attempts: sat")),
            str(_("passed")),
            "%",
        ],
        shown,
    )


def _sat(passed: Published, failed: Published) -> Published:
    """Sat = passed + failed, where both are shown; else hidden like them."""
    if _shown(passed, failed):
        return int(passed) + int(failed)
    return next(v for v in (passed, failed) if not _shown(v))


def _rate(passed: Published, sat: Published) -> Published:
    if _shown(passed, sat) and sat:
        return round(100 * int(passed) / int(sat))
    return "–"


def _turnaround(
    indicators: Indicators, rates: list[tuple[str, list[Published]]], threshold: int
) -> PublishedIndicator:
    """On time and late per component, both shown or both hidden (see the module's
    docstring); past the norm and not released (other results) as a list of its own."""
    turnaround = indicators.turnaround
    marker = marker_for(threshold)
    hides = {code for code, cells in rates if not _shown(*cells)}
    overdue = dict(
        _column([t.component for t in turnaround], [t.overdue for t in turnaround], threshold)
    )
    lines = []
    for t in turnaround:
        publishable = all(n == 0 or n >= threshold for n in (t.on_time, t.late))
        released: list[Published] = (
            [t.on_time, t.late] if publishable and t.component not in hides else [marker, marker]
        )
        lines.append((t.component, [*released, *overdue[t.component]]))
    return PublishedIndicator(
        "turnaround",
        str(_("Result turnaround against the norm")),
        str(_("Exam results by turnaround")),
        str(_("Component")),
        [str(_("Within the norm")), str(_("Late")), str(_("Not released, past the norm"))],
        lines,
    )


def published_indicators(indicators: Indicators, *, threshold: int) -> list[PublishedIndicator]:
    """Every indicator of `indicators` (summed over the municipalities), suppressed."""
    attempts, waits = indicators.attempts, indicators.waits
    by_ground = indicators.extensions.by_ground
    rates = _pass_rates(indicators, threshold)
    return [
        _first_booking(indicators.first_booking, threshold),
        _pass_rate_table(rates),
        PublishedIndicator(
            "attempts",
            str(_("Attempts used")),
            str(_("Requirements of the routes by attempts used")),
            str(_("Component")),
            ["0", "1", "2", "3", str(_("4 or more"))],
            _table(list(attempts), ["0", "1", "2", "3", "4+"], list(attempts.values()), threshold),
        ),
        PublishedIndicator(
            "waits",
            str(_("Waiting time from booking to sitting")),
            str(_("Sittings by the wait from booking to the session")),
            str(_("Component")),
            [str(label) for label in WAIT_COLUMNS],
            _table(list(waits), [str(c) for c in WAIT_COLUMNS], list(waits.values()), threshold),
        ),
        _turnaround(indicators, rates, threshold),
        PublishedIndicator(
            "extensions",
            str(_("Term extensions granted")),
            str(_("Term extensions by ground")),
            str(_("Ground")),
            [str(_("Extensions"))],
            _column([g for g, _n, _d in by_ground], [n for _g, n, _d in by_ground], threshold),
        ),
    ]
