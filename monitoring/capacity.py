"""Capacity: demand for seats against published seats, and waits against the norm.

Reads scheduling (sessions, bookings, the waiting list) and grading (what each
candidate still has to pass) through their models and selectors; writes nothing.
Every figure is an aggregate: no candidate is named, counted alone or linked.
Decision 0015 explains the definitions; in short, per component, level and
region and per ISO week from the current one:

- **seats published** (supply): the seats of the week's sessions that are not a
  draft and not cancelled, minus the seats held for waiting-list offers
  (`capacity - held_count`, as `scheduling.selectors.available_sessions` counts them);
- **seats taken**: the booked seats of those sessions (demand already served);
- **expected demand**: the outstanding requirements of candidates who hold no open
  booking and no offer for the component, each spread over the weeks before its term
  end (monitoring.demand), plus the waiting list's entries (wanted now: the first week);
- **demand** = seats taken + expected demand; a week is **over capacity** when demand
  exceeds the seats published, that is when the expected demand exceeds the free seats.

A **region** is a place name, as the availability API reads it: a session's region
is its centre's city (the API's `region` filter also matches the centre's
organisation name); a candidate's region is the name of their municipality; a
waiting-list entry's is its centre's city.

Each selector is one statement whatever the amount of data.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from scheduling.models import ExamSession, WaitingListEntry
from scheduling.selectors import available_sessions

from . import figures
from .demand import monday_of, spread
from .figures_models import DemandCell, FigureSnapshot

# Sessions whose seats were published: not a draft, not cancelled. A session of the
# current week that has been held still counts, with the seats it had.
SUPPLY_STATUSES = (
    ExamSession.Status.PUBLISHED,
    ExamSession.Status.CLOSED,
    ExamSession.Status.HELD,
    ExamSession.Status.RESULTS_COMPLETE,
)
ONE_PLACE = Decimal("0.1")

Key = tuple[str, str, str]  # component code, level, region


@dataclass(frozen=True)
class CapacityQuery:
    """What a planner asks: a component code, a level, a region (all optional) and how
    many weeks ahead, counted from the current ISO week."""

    component: str = ""
    level: str = ""
    region: str = ""
    weeks: int = 12


@dataclass
class Week:
    starts_on: datetime.date  # the Monday
    seats_published: int = 0
    seats_taken: int = 0
    expected: Fraction = Fraction(0)

    @property
    def iso(self) -> str:
        year, week, _day = self.starts_on.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def ends_on(self) -> datetime.date:
        return self.starts_on + datetime.timedelta(days=6)

    @property
    def seats_free(self) -> int:
        return self.seats_published - self.seats_taken

    @property
    def demand(self) -> Fraction:
        return self.seats_taken + self.expected

    @property
    def over_capacity(self) -> bool:
        return self.demand > self.seats_published

    @property
    def shortfall(self) -> Decimal:
        """Seats short this week (0 when there are enough), to one decimal."""
        return rounded(max(Fraction(0), self.demand - self.seats_published))

    @property
    def expected_rounded(self) -> Decimal:
        return rounded(self.expected)

    @property
    def demand_rounded(self) -> Decimal:
        return rounded(self.demand)


@dataclass
class FirstFreeSeat:
    """The first session open for booking with a free seat, against the norm."""

    starts_at: datetime.datetime | None
    norm_days: int
    now: datetime.datetime

    @property
    def wait_days(self) -> int | None:
        if self.starts_at is None:
            return None
        return max(0, (self.starts_at - self.now).days)

    @property
    def over_norm(self) -> bool:
        """No free seat published at all is over the norm too: nobody can book."""
        return self.wait_days is None or self.wait_days > self.norm_days


@dataclass
class CapacityRow:
    component: str
    level: str
    region: str
    weeks: list[Week]
    first_free: FirstFreeSeat

    @property
    def weeks_over(self) -> int:
        return sum(week.over_capacity for week in self.weeks)


@dataclass
class Capacity:
    query: CapacityQuery
    first_monday: datetime.date
    norm_days: int
    rows: list[CapacityRow] = field(default_factory=list)
    snapshot: FigureSnapshot | None = None  # when the expected demand was counted

    def totals(self) -> list[Week]:
        """The weeks summed over every row: what the chart draws."""
        weeks = [
            Week(self.first_monday + datetime.timedelta(weeks=i)) for i in range(self.query.weeks)
        ]
        for row in self.rows:
            for total, week in zip(weeks, row.weeks, strict=True):
                total.seats_published += week.seats_published
                total.seats_taken += week.seats_taken
                total.expected += week.expected
        return weeks


def rounded(value: Fraction) -> Decimal:
    """A fraction of seats to one decimal, half up."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        ONE_PLACE, rounding=ROUND_HALF_UP
    )


def norm_days() -> int:
    return settings.CAPACITY_WAIT_NORM_DAYS


# --- the selectors -------------------------------------------------------------------


def in_region(region: str, *, city: str, organisation: str) -> Q:
    """The availability API's region: the centre's city or its organisation's name."""
    return Q(**{f"{city}__iexact": region}) | Q(**{f"{organisation}__iexact": region})


def _week_start(monday: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))


def seats_by_week(
    query: CapacityQuery, first_monday: datetime.date
) -> dict[tuple[Key, datetime.date], tuple[int, int]]:
    """(seats published, seats taken) per key and week: one grouped statement."""
    start = _week_start(first_monday)
    end = _week_start(first_monday + datetime.timedelta(weeks=query.weeks))
    sessions = ExamSession.objects.filter(
        status__in=SUPPLY_STATUSES, starts_at__gte=start, starts_at__lt=end
    )
    if query.component:
        sessions = sessions.filter(component__code=query.component)
    if query.level:
        sessions = sessions.filter(level=query.level)
    if query.region:
        sessions = sessions.filter(
            in_region(query.region, city="centre__city", organisation="centre__organisation__name")
        )
    rows = (
        sessions.annotate(week=TruncWeek("starts_at", tzinfo=timezone.get_current_timezone()))
        .values_list("component__code", "level", "centre__city", "week")
        .annotate(seats=Sum(F("capacity") - F("held_count")), taken=Sum("booked_count"))
        .order_by()
    )
    return {
        ((code, level, city), _as_date(week)): (seats, taken)
        for code, level, city, week, seats, taken in rows
    }


def waiting_by_key(query: CapacityQuery) -> dict[Key, int]:
    """Waiting-list entries still waiting (not yet offered a seat) per key."""
    entries = WaitingListEntry.objects.filter(status=WaitingListEntry.Status.WAITING)
    if query.component:
        entries = entries.filter(component__code=query.component)
    if query.level:
        entries = entries.filter(level=query.level)
    if query.region:
        entries = entries.filter(
            in_region(query.region, city="centre__city", organisation="centre__organisation__name")
        )
    rows = (
        entries.values_list("component__code", "level", "centre__city")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(code, level, city): n for code, level, city, n in rows}


def first_free_seats(query: CapacityQuery, now: datetime.datetime) -> dict[Key, datetime.datetime]:
    """The start of the first session open for booking with a free seat, per key."""
    sessions = available_sessions(
        component=query.component or None,
        level=query.level or None,
        region=query.region or None,
        now=now,
    )
    rows = (
        sessions.values_list("component__code", "level", "centre__city")
        .annotate(first=Min("starts_at"))
        .order_by()
    )
    return {(code, level, city): first for code, level, city, first in rows}


def expected_groups(
    query: CapacityQuery, snapshot: FigureSnapshot | None
) -> list[tuple[Hashable, datetime.date, int]]:
    """(key, Monday of the term end's week, count) of outstanding requirements that still
    need a seat, as counted ahead in `snapshot` (`monitoring.demand_cells`, which keeps
    the terms already ended as one overdue week per key); none before the first count.
    One statement."""
    if snapshot is None:
        return []
    cells = DemandCell.objects.filter(snapshot=snapshot)
    if query.component:
        cells = cells.filter(component_code=query.component)
    if query.level:
        cells = cells.filter(level=query.level)
    if query.region:
        cells = cells.filter(municipality__name__iexact=query.region)
    rows = cells.values_list("component_code", "level", "municipality__name", "term_week", "n")
    return [((code, level, region), week, n) for code, level, region, week, n in rows]


def capacity(query: CapacityQuery, *, now: datetime.datetime | None = None) -> Capacity:
    """Every row of the capacity view for `query`: a fixed number of statements."""
    now = now or timezone.now()
    first_monday = monday_of(timezone.localdate(now))
    norm = norm_days()
    seats = seats_by_week(query, first_monday)
    waiting = waiting_by_key(query)
    first_free = first_free_seats(query, now)
    snapshot, _fresh = figures.current(timezone.localdate(now))
    expected = spread(
        expected_groups(query, snapshot),
        first_monday=first_monday,
        horizon=query.weeks,
        norm_weeks=max(1, norm // 7),
    )
    keys: set[Key] = {key for key, _week in seats} | set(waiting) | set(first_free)
    keys |= {key for key in expected if isinstance(key, tuple)}
    result = Capacity(query, first_monday, norm, snapshot=snapshot)
    for key in sorted(keys):
        weeks = []
        demand = expected.get(key)
        for i in range(query.weeks):
            monday = first_monday + datetime.timedelta(weeks=i)
            published, taken = seats.get((key, monday), (0, 0))
            week = Week(monday, published, taken, demand[i] if demand else Fraction(0))
            weeks.append(week)
        weeks[0].expected += waiting.get(key, 0)
        result.rows.append(
            CapacityRow(*key, weeks=weeks, first_free=FirstFreeSeat(first_free.get(key), norm, now))
        )
    return result


def _as_date(value: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
