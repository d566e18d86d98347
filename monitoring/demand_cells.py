"""Outstanding requirements that still need a seat, counted for the stored figures.

What is outstanding is grading's rule (`grading.progress_sets`, the bulk form of
`candidate_progress`). Left out: components signed off rather than sat (PVT, MAP, ...:
no seats), and candidates who already hold an open booking, a waiting-list entry or an
offer for the component (the booking is in the capacity view's seats taken, the entry
in its waiting list). Grouped in the database by component, level, the candidate's
municipality (the region) and the Monday of the week the term ends, which is all the
demand ramp (`monitoring.demand.spread`) reads of a term end: one statement.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncWeek

from examens.models import Candidate, Component
from grading.progress_sets import outstanding_requirements
from scheduling.models import Booking, WaitingListEntry

from .demand import monday_of


def demand_groups(day: datetime.date) -> Iterator[tuple[str, str, int, datetime.date, int]]:
    """(component code, level, municipality id, Monday of the term end, count), counted
    on `day`. Terms that ended before the week of `day` are overdue alike (`spread`):
    they are summed into the week before it, which leaves a fifth of the cells on data
    that goes back to 2013 (decision 0033)."""
    overdue = monday_of(day) - datetime.timedelta(weeks=1)
    sat = list(
        Component.objects.exclude(assessment=Component.Assessment.SIGN_OFF).values_list(
            "pk", flat=True
        )
    )
    rows = outstanding_requirements(Candidate.objects.all()).filter(component_id__in=sat)
    rows = rows.exclude(
        Exists(
            Booking.objects.filter(
                candidate=OuterRef("pk"),
                component=OuterRef("component_id"),
                status__in=Booking.OPEN_STATUSES,
            )
        )
    ).exclude(
        Exists(
            WaitingListEntry.objects.filter(
                candidate=OuterRef("pk"),
                component=OuterRef("component_id"),
                status__in=(WaitingListEntry.Status.WAITING, WaitingListEntry.Status.OFFERED),
            )
        )
    )
    grouped = (
        rows.values("component_code", "level", "municipality_id", term_week=TruncWeek("term_end"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    totals: dict[tuple[str, str, int, datetime.date], int] = {}
    for row in grouped:
        week = row["term_week"]
        if isinstance(week, datetime.datetime):
            week = week.date()
        key = (row["component_code"], row["level"], row["municipality_id"], max(week, overdue))
        totals[key] = totals.get(key, 0) + row["n"]
    for (code, level, municipality, week), n in totals.items():
        yield code, level, municipality, week, n
