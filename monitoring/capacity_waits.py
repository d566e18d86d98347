"""Capacity's real wait: the median time from booking to sitting, per centre.

Split from monitoring.capacity (which holds the demand and supply selectors and
decision 0015's definitions); the filters are the capacity view's own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from scheduling.models import Booking

from .capacity import ONE_PLACE, CapacityQuery, in_region, norm_days


@dataclass
class CentreWait:
    """The median real wait, booking to sitting, at one centre."""

    centre_id: int
    centre: str
    city: str
    sittings: int
    median_days: Decimal
    norm_days: int

    @property
    def over_norm(self) -> bool:
        return self.median_days > self.norm_days


def sittings(query: CapacityQuery, now: datetime.datetime) -> QuerySet[Booking]:
    """Bookings that were sat (checked in) in the look-back window, filtered like the view."""
    since = now - datetime.timedelta(days=settings.CAPACITY_WAIT_LOOKBACK_DAYS)
    bookings = Booking.objects.filter(
        status=Booking.Status.CHECKED_IN,
        session__starts_at__gte=since,
        session__starts_at__lt=now,
    )
    if query.component:
        bookings = bookings.filter(component__code=query.component)
    if query.level:
        bookings = bookings.filter(level=query.level)
    if query.region:
        bookings = bookings.filter(
            in_region(
                query.region,
                city="session__centre__city",
                organisation="session__centre__organisation__name",
            )
        )
    return bookings


def median_waits(query: CapacityQuery, *, now: datetime.datetime | None = None) -> list[CentreWait]:
    """The median real wait (booking made to session start) per centre, over the sittings
    of the last CAPACITY_WAIT_LOOKBACK_DAYS.

    One statement on both databases, in the ORM: each centre's sittings are numbered
    in order of their wait (a window function), and only the middle one or two are
    read (`(n + 1) / 2 <= row <= (n + 2) / 2`, integer division); the median is their
    mean. PostgreSQL's percentile_cont would do the same, but SQLite has none.
    """
    now = now or timezone.now()
    centre = F("session__centre_id")
    wait = ExpressionWrapper(
        F("session__starts_at") - F("created_at"), output_field=DurationField()
    )
    rows = (
        sittings(query, now)
        .annotate(
            wait=wait,
            position=Window(
                RowNumber(), partition_by=[centre], order_by=[wait.asc(), F("pk").asc()]
            ),
            count=Window(Count("pk"), partition_by=[centre]),
        )
        .filter(position__gte=(F("count") + 1) / 2, position__lte=(F("count") + 2) / 2)
        .values_list(
            "session__centre_id",
            "session__centre__name",
            "session__centre__city",
            "count",
            "wait",
        )
        .order_by("session__centre__name", "session__centre_id")
    )
    middles: dict[int, list] = {}
    for centre_id, name, city, count, duration in rows:
        middles.setdefault(centre_id, [name, city, count, []])[3].append(duration)
    norm = norm_days()
    waits = []
    for centre_id, (name, city, count, durations) in middles.items():
        microseconds = sum(d // datetime.timedelta(microseconds=1) for d in durations)
        days = (Decimal(microseconds) / Decimal(len(durations) * 86_400_000_000)).quantize(
            ONE_PLACE, rounding=ROUND_HALF_UP
        )
        waits.append(CentreWait(centre_id, name, city, count, days, norm))
    return waits
