"""The national statistics' indicators of the integration act, counted as cells.

Each `*_cells` function is one grouped query (two for the extensions) over
`candidates`, whatever their number: counts per group of residents (municipality,
cohort, route, migrant group), indicator key and slot (`monitoring.indicator_tables`).
Durations are computed once per row and counted against literal bounds in SQL, never
per candidate in Python. The refresh job stores these cells for every municipality
(`monitoring.services.figures`); `indicators(candidates)` folds them live, for one set
of candidates, with the same fold the stored figures use.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractYear, TruncDate
from django.utils import timezone

from examens.models import Candidate, Decision
from grading.deadlines import NT2_LEVELS, NT2_RESULT_DUE_DAYS, RESULT_DUE_DAYS
from grading.models import Result
from grading.progress_sets import progress_rows
from scheduling.models import Booking

from . import indicator_tables as t
from .indicator_tables import Cell, Indicators, indicators_of

GROUP = ("g_municipality", "g_cohort", "g_route", "g_asylum")


def group_by(path: str = "") -> dict:
    """The group of residents a cell counts, for rows that reach the candidate by `path`."""
    return {
        "g_municipality": F(f"{path}municipality_id"),
        "g_cohort": ExtractYear(f"{path}term_start"),
        "g_route": F(f"{path}route_id"),
        "g_asylum": F(f"{path}is_asylum_migrant"),
    }


def _group_of(row: dict) -> tuple:
    return (row["g_municipality"], row["g_cohort"], row["g_route"], bool(row["g_asylum"]))


def _slots(rows, measure: str, key_field: str | None, slots: dict[int, str]) -> Iterator[Cell]:
    """A cell per row and non-zero slot, `slots` naming the row's column of each slot."""
    for row in rows:
        key = row[key_field] if key_field else ""
        for slot, name in slots.items():
            if row[name]:
                yield Cell(_group_of(row), measure, key, slot, row[name])


def _bucket_case(field: str, bounds: tuple[int, ...]) -> Case:
    whens = [
        When(**{f"{field}__lt": datetime.timedelta(days=bound)}, then=Value(i))
        for i, bound in enumerate(bounds)
    ]
    return Case(*whens, default=Value(len(bounds)), output_field=IntegerField())


def _of(candidates: QuerySet[Candidate]):
    return candidates.order_by().values("pk")


def first_booking_cells(candidates: QuerySet[Candidate]) -> Iterator[Cell]:
    """Residents by the time from the start of their term to their first booking (any
    booking made, cancelled ones too), in FIRST_BOOKING_BOUNDS buckets; slot NOT_BOOKED:
    not booked yet. One query."""
    first = Subquery(
        Booking.objects.filter(candidate=OuterRef("pk"))
        .order_by("created_at", "pk")
        .annotate(day=TruncDate("created_at"))
        .values("day")[:1],
        output_field=DateField(),
    )
    delay = ExpressionWrapper(F("first_booked_on") - F("term_start"), DurationField())
    slot = Case(
        When(first_booked_on__isnull=True, then=Value(t.NOT_BOOKED)),
        default=_bucket_case("delay", t.FIRST_BOOKING_BOUNDS),
        output_field=IntegerField(),
    )
    rows = (
        candidates.order_by()
        .annotate(first_booked_on=first)
        .annotate(delay=delay)
        .annotate(slot=slot, **group_by())
        .values(*GROUP, "slot")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        yield Cell(_group_of(row), t.FIRST_BOOKING, "", row["slot"], row["n"])


def pass_rates_cells(candidates: QuerySet[Candidate]) -> Iterator[Cell]:
    """Per examined component: sittings (released, current results passed or failed) and
    passes at the first attempt and at later ones. One query."""
    first = Q(booking__attempt_number=1)
    passed = Q(outcome=Result.Outcome.PASSED)
    rows = (
        Result.objects.filter(
            candidate__in=_of(candidates),
            booking__isnull=False,
            is_current=True,
            status=Result.Status.RELEASED,
            outcome__in=[Result.Outcome.PASSED, Result.Outcome.FAILED],
        )
        .annotate(**group_by("candidate__"))
        .values(*GROUP, "component__code")
        .annotate(
            first_sat=Count("pk", filter=first),
            first_passed=Count("pk", filter=first & passed),
            later_sat=Count("pk", filter=~first),
            later_passed=Count("pk", filter=~first & passed),
        )
        .order_by()
    )
    columns = {
        t.FIRST_SAT: "first_sat",
        t.FIRST_PASSED: "first_passed",
        t.LATER_SAT: "later_sat",
        t.LATER_PASSED: "later_passed",
    }
    yield from _slots(rows, t.PASS_RATES, "component__code", columns)


def attempts_cells(candidates: QuerySet[Candidate]) -> Iterator[Cell]:
    """Per component of the routes: requirements by attempts used (0, 1, 2, 3, 4 or
    more), as grading's progress rule counts them. One query."""
    rows = (
        progress_rows(candidates.order_by())
        .order_by()
        .values("component_code", "attempts_used", **group_by())
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        slot = min(row["attempts_used"] or 0, len(t.ATTEMPT_BUCKETS))
        yield Cell(_group_of(row), t.ATTEMPTS, row["component_code"], slot, row["n"])


def waits_cells(candidates: QuerySet[Candidate]) -> Iterator[Cell]:
    """Per component: sittings (checked-in bookings) by the wait from booking to the
    session's start, in the buckets of WAIT_BOUNDS. One query."""
    wait = ExpressionWrapper(F("session__starts_at") - F("created_at"), DurationField())
    rows = (
        Booking.objects.filter(candidate__in=_of(candidates), status=Booking.Status.CHECKED_IN)
        .annotate(wait=wait)
        .annotate(slot=_bucket_case("wait", t.WAIT_BOUNDS), **group_by("candidate__"))
        .values(*GROUP, "component__code", "slot")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        yield Cell(_group_of(row), t.WAITS, row["component__code"], row["slot"], row["n"])


def turnaround_cells(
    candidates: QuerySet[Candidate], *, today: datetime.date | None = None
) -> Iterator[Cell]:
    """Per component: first versions of exam results released within the norm (8 weeks;
    6 for the state exam NT2 levels), released late, and still unreleased past it on
    `today`. One query."""
    today = today or timezone.localdate()
    nt2 = Q(level__in=NT2_LEVELS)
    norm = datetime.timedelta(days=NT2_RESULT_DUE_DAYS)
    other_norm = datetime.timedelta(days=RESULT_DUE_DAYS)
    delay = ExpressionWrapper(TruncDate("released_at") - F("sat_on"), DurationField())
    released = Q(released_at__isnull=False)
    on_time = released & ((nt2 & Q(delay__lte=norm)) | (~nt2 & Q(delay__lte=other_norm)))
    late = released & ((nt2 & Q(delay__gt=norm)) | (~nt2 & Q(delay__gt=other_norm)))
    overdue = Q(released_at__isnull=True) & (
        (nt2 & Q(sat_on__lt=today - norm)) | (~nt2 & Q(sat_on__lt=today - other_norm))
    )
    rows = (
        Result.objects.filter(candidate__in=_of(candidates), booking__isnull=False, version=1)
        .exclude(outcome__in=[Result.Outcome.NO_SHOW, Result.Outcome.REJECTED])
        .annotate(delay=delay, **group_by("candidate__"))
        .values(*GROUP, "component__code")
        .annotate(
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=late),
            overdue=Count("pk", filter=overdue),
            all=Count("pk"),
        )
        .order_by()
    )
    columns = {t.ON_TIME: "on_time", t.LATE: "late", t.OVERDUE: "overdue", t.ALL: "all"}
    yield from _slots(rows, t.TURNAROUND, "component__code", columns)


def extensions_cells(candidates: QuerySet[Candidate]) -> Iterator[Cell]:
    """Term extensions granted (not withdrawn): per ground the decisions and days, and
    the residents with at least one (key ""). Two queries."""
    granted = Decision.objects.filter(
        candidate__in=_of(candidates),
        kind=Decision.Kind.TERM_EXTENSION,
        withdrawn_at__isnull=True,
    ).annotate(**group_by("candidate__"))
    rows = (
        granted.values(*GROUP, "ground")
        .annotate(n=Count("pk"), days=Sum("extension_days"))
        .order_by()
    )
    yield from _slots(rows, t.EXTENSIONS, "ground", {t.DECISIONS: "n", t.DAYS: "days"})
    people = granted.values(*GROUP).annotate(n=Count("candidate", distinct=True)).order_by()
    for row in people:
        yield Cell(_group_of(row), t.EXTENSIONS, "", t.PEOPLE, row["n"])


def indicator_cells(
    candidates: QuerySet[Candidate], *, today: datetime.date | None = None
) -> Iterator[Cell]:
    """Every indicator's cells for `candidates`: seven queries."""
    yield from first_booking_cells(candidates)
    yield from pass_rates_cells(candidates)
    yield from attempts_cells(candidates)
    yield from waits_cells(candidates)
    yield from turnaround_cells(candidates, today=today)
    yield from extensions_cells(candidates)


def indicators(
    candidates: QuerySet[Candidate], *, today: datetime.date | None = None
) -> Indicators:
    """Every indicator of `candidates`, counted now (the pages read stored figures)."""
    return indicators_of(indicator_cells(candidates, today=today))
