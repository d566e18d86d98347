"""Sittings of the last few days that wait for their ratings: every examiner's worklist.

Runs after the scheduling part (`demo.sessions`), before grading's: speaking
and writing sessions held one or two days before the seed at each organisation's
centre, with checked-in candidates and no ratings, so that every demo examiner
(`demo.results.EXAMINERS`) finds attempts to rate on first login. The grading
demo rates only older sittings (`rated_before`) and gives a first rating to a
few of these, for the blind second rater. Idempotent: a session already in its
room at its start is left alone.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from examens.models import User
from scheduling.models import Booking, ExamSession
from scheduling.permissions import bookable_candidates

from .sessions import PLANNING_LEAD, hold_past_session, planned_room

# days before today, hour, centre, room, exam version, candidates, examiners (door first)
WAITING_PLAN = [
    (2, 9, "DUO Examenlocatie Utrecht", "Examenzaal 2", "SPR-B1-2026A", 6, ["examinator.duo"]),
    (1, 9, "DUO Examenlocatie Utrecht", "Examenzaal 2", "SCH-B1-2026A", 4, ["examinator.duo"]),
    (
        2,
        13,
        "Gemeente Utrecht Stadskantoor",
        "Spreekkamer 3.12",
        "SPR-B1-2026A",
        4,
        ["examinator.utrecht", "examinator2.duo"],
    ),
    (
        1,
        13,
        "Taalcentrum Midden Zeist",
        "Lokaal 1",
        "SCH-B1-2026A",
        4,
        ["examinator.taalcentrum", "examinator3.duo"],
    ),
]
WAITING_DAYS = max(days for days, *_ in WAITING_PLAN)
WAITING_ROUTES = ("B1", "EDU")


def rated_before() -> datetime.datetime:
    """Sittings from this moment on wait for their examiners; older ones the demo rates."""
    first_day = timezone.localdate() - datetime.timedelta(days=WAITING_DAYS)
    return timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.min))


def seed(*, users: dict[str, User], stdout) -> dict[str, int]:
    """Hold the waiting sessions that are not there yet."""
    sessions = bookings = 0
    today = timezone.localdate()
    for days, hour, centre_name, room_name, version_code, seats, examiners in WAITING_PLAN:
        planned = planned_room(centre_name, room_name, version_code, users)
        staff = [users[name] for name in examiners if name in users]
        if planned is None or not staff:
            continue
        room, version, planner = planned
        day = today - datetime.timedelta(days=days)
        starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
        if ExamSession.objects.filter(room=room, starts_at=starts_at).exists():
            continue
        lead = timezone.now().replace(second=0, microsecond=0) + PLANNING_LEAD
        sitters = list(
            bookable_candidates(planner)
            .filter(
                route__code__in=WAITING_ROUTES,
                term_start__lte=day,
                term_end__gte=timezone.localdate(lead),
                decisions__isnull=True,
            )
            .exclude(bookings__component_id=version.component_id)
            .order_by("pk")[:seats]
        )
        if not sitters:
            continue
        bookings += hold_past_session(
            room,
            version,
            starts_at,
            [(candidate, Booking.Status.CHECKED_IN) for candidate in sitters],
            planner=planner,
            examiners=staff,
            lead=lead,
        )
        sessions += 1
    created = {"exam sessions": sessions, "bookings": bookings}
    return {what: count for what, count in created.items() if count}
