"""The national statistics' indicators of the integration act, for a set of candidates.

Each function is one grouped query over `candidates` (already narrowed to one
municipality and the filters), whatever their number. Durations are computed once
per row and grouped (or counted against literal bounds), never per candidate in
Python.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from examens.models import Candidate, Decision
from grading.deadlines import NT2_LEVELS, NT2_RESULT_DUE_DAYS, RESULT_DUE_DAYS
from grading.models import Result
from grading.progress_sets import progress_rows
from scheduling.models import Booking

# Bounds of the duration buckets, in days (the last bucket is "longer").
FIRST_BOOKING_BOUNDS = (91, 182, 365)
WAIT_BOUNDS = (28, 56, 112)
ATTEMPT_BUCKETS = (0, 1, 2, 3)  # and "4 or more"


@dataclass(frozen=True)
class Buckets:
    """Counts per duration bucket: bounds (days) and len(bounds) + 1 counts, plus none."""

    bounds: tuple[int, ...]
    counts: list[int]
    none: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts) + self.none


def _bucket(days: int, bounds: tuple[int, ...]) -> int:
    return next((i for i, bound in enumerate(bounds) if days < bound), len(bounds))


def _days(duration: datetime.timedelta | None) -> int | None:
    return None if duration is None else duration.days


def first_booking_delay(candidates: QuerySet[Candidate]) -> Buckets:
    """Candidates by the time from the start of their term to their first booking (any
    booking made, cancelled ones too); `none`: not booked yet. One query."""
    first = Subquery(
        Booking.objects.filter(candidate=OuterRef("pk"))
        .order_by("created_at", "pk")
        .annotate(day=TruncDate("created_at"))
        .values("day")[:1],
        output_field=DateField(),
    )
    rows = (
        candidates.order_by()
        .annotate(first_booked_on=first)
        .annotate(delay=ExpressionWrapper(F("first_booked_on") - F("term_start"), DurationField()))
        .values("delay")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = [0] * (len(FIRST_BOOKING_BOUNDS) + 1)
    none = 0
    for row in rows:
        days = _days(row["delay"])
        if days is None:
            none += row["n"]
        else:
            counts[_bucket(max(days, 0), FIRST_BOOKING_BOUNDS)] += row["n"]
    return Buckets(FIRST_BOOKING_BOUNDS, counts, none)


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


def pass_rates(candidates: QuerySet[Candidate]) -> list[ComponentRates]:
    """Per examined component: sittings (released, current results passed or failed) and
    passes at the first attempt and at later ones. One query."""
    first = Q(booking__attempt_number=1)
    passed = Q(outcome=Result.Outcome.PASSED)
    rows = (
        Result.objects.filter(
            candidate__in=candidates.order_by().values("pk"),
            booking__isnull=False,
            is_current=True,
            status=Result.Status.RELEASED,
            outcome__in=[Result.Outcome.PASSED, Result.Outcome.FAILED],
        )
        .values("component__code")
        .annotate(
            first_sat=Count("pk", filter=first),
            first_passed=Count("pk", filter=first & passed),
            later_sat=Count("pk", filter=~first),
            later_passed=Count("pk", filter=~first & passed),
        )
        .order_by("component__code")
    )
    return [
        ComponentRates(
            r["component__code"],
            r["first_sat"],
            r["first_passed"],
            r["later_sat"],
            r["later_passed"],
        )
        for r in rows
    ]


def attempts_used(candidates: QuerySet[Candidate]) -> dict[str, list[int]]:
    """Per component of the routes: requirements by attempts used (0, 1, 2, 3, 4 or
    more), as grading's progress rule counts them. One query."""
    rows = (
        progress_rows(candidates.order_by())
        .order_by()
        .values("component_code", "attempts_used")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[str, list[int]] = {}
    for row in rows:
        line = result.setdefault(row["component_code"], [0] * (len(ATTEMPT_BUCKETS) + 1))
        line[min(row["attempts_used"] or 0, len(ATTEMPT_BUCKETS))] += row["n"]
    return dict(sorted(result.items()))


def waits(candidates: QuerySet[Candidate]) -> dict[str, list[int]]:
    """Per component: sittings (checked-in bookings) by the wait from booking to the
    session's start, in the buckets of WAIT_BOUNDS. One query."""
    wait = ExpressionWrapper(F("session__starts_at") - F("created_at"), DurationField())
    bounds = [datetime.timedelta(days=d) for d in WAIT_BOUNDS]
    buckets = {}
    buckets["b0"] = Count("pk", filter=Q(wait__lt=bounds[0]))
    for i in range(1, len(bounds)):
        buckets[f"b{i}"] = Count("pk", filter=Q(wait__gte=bounds[i - 1], wait__lt=bounds[i]))
    buckets[f"b{len(bounds)}"] = Count("pk", filter=Q(wait__gte=bounds[-1]))
    rows = (
        Booking.objects.filter(
            candidate__in=candidates.order_by().values("pk"),
            status=Booking.Status.CHECKED_IN,
        )
        .annotate(wait=wait)
        .values("component__code")
        .annotate(**buckets)
        .order_by("component__code")
    )
    names = [f"b{i}" for i in range(len(bounds) + 1)]
    found = cast(list[dict[str, Any]], list(rows))
    return {row["component__code"]: [row[name] for name in names] for row in found}


@dataclass(frozen=True)
class Turnaround:
    component: str
    on_time: int
    late: int
    overdue: int  # not released and past the norm today


def turnaround(
    candidates: QuerySet[Candidate], *, today: datetime.date | None = None
) -> list[Turnaround]:
    """Per component: first versions of exam results released within the norm (8 weeks;
    6 for the state exam NT2 levels), released late, and still unreleased past it. One
    query."""
    today = today or timezone.localdate()
    nt2 = Q(level__in=NT2_LEVELS)
    norm = datetime.timedelta(days=NT2_RESULT_DUE_DAYS)
    other_norm = datetime.timedelta(days=RESULT_DUE_DAYS)
    delay = ExpressionWrapper(TruncDate("released_at") - F("sat_on"), DurationField())
    on_time = Q(released_at__isnull=False) & (
        (nt2 & Q(delay__lte=norm)) | (~nt2 & Q(delay__lte=other_norm))
    )
    late = Q(released_at__isnull=False) & (
        (nt2 & Q(delay__gt=norm)) | (~nt2 & Q(delay__gt=other_norm))
    )
    overdue = Q(released_at__isnull=True) & (
        (nt2 & Q(sat_on__lt=today - norm)) | (~nt2 & Q(sat_on__lt=today - other_norm))
    )
    rows = (
        Result.objects.filter(
            candidate__in=candidates.order_by().values("pk"), booking__isnull=False, version=1
        )
        .exclude(outcome__in=[Result.Outcome.NO_SHOW, Result.Outcome.REJECTED])
        .annotate(delay=delay)
        .values("component__code")
        .annotate(
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=late),
            overdue=Count("pk", filter=overdue),
        )
        .order_by("component__code")
    )
    return [Turnaround(r["component__code"], r["on_time"], r["late"], r["overdue"]) for r in rows]


@dataclass(frozen=True)
class Extensions:
    by_ground: list[tuple[str, int, int]]  # (ground, decisions, days)
    candidates: int


def extensions(candidates: QuerySet[Candidate]) -> Extensions:
    """Term extensions granted (not withdrawn): per ground the decisions and days, and
    the candidates with at least one. Two queries."""
    granted = Decision.objects.filter(
        candidate__in=candidates.order_by().values("pk"),
        kind=Decision.Kind.TERM_EXTENSION,
        withdrawn_at__isnull=True,
    )
    rows = (
        granted.values("ground")
        .annotate(n=Count("pk"), days=Sum("extension_days"))
        .order_by("ground")
    )
    people = granted.order_by().aggregate(n=Count("candidate", distinct=True))["n"]
    return Extensions([(r["ground"], r["n"], r["days"] or 0) for r in rows], people)
