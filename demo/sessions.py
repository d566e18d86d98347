"""The scheduling part of the demo, called by `manage.py seed_demo` inside its transaction.

Sessions for the coming weeks at the seeded centres (anchored to this week's
Monday, so a second run the same week finds them and creates nothing),
bookings made through `book_candidate` (only into sessions without any yet),
and a waiting list for one full session.

Past sessions (one to three weeks ago) went through the door: a handful of
candidates sat every examined component of their route (most checked in,
two no-shows, one refused at the door) and the sessions are held, so that
grading's demo has attempts to rate, release, adjudicate and correct and
certificates' demo has routes to complete.

Every session is planned, staffed, published and booked by a planner of the
centre's organisation, from the candidates that planner may book; the door is
kept by the session's examiner. Moving the past sessions to their real start
is the one write no service makes (`demo.history`).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from examens.models import Candidate, ExamCentre, ExamVersion, Room, User
from scheduling.exceptions import SchedulingError
from scheduling.models import Booking, ExamSession, WaitingListEntry
from scheduling.permissions import bookable_candidates
from scheduling.selectors import policy_for
from scheduling.services import (
    add_to_waiting_list,
    assign_staff,
    book_candidate,
    check_in_booking,
    create_session,
    mark_no_show,
    mark_session_held,
    publish_session,
    reject_at_door,
)

from . import history
from .world import PLANNERS

# centre name, room name, exam version code, weekday, hour, capacity, examiner username
PLAN = [
    ("DUO Examenlocatie Utrecht", "Examenzaal 1", "LEZ-B1-2026A", 1, 9, 30, "examinator.duo"),
    ("DUO Examenlocatie Utrecht", "Examenzaal 1", "LUI-B1-2026A", 1, 13, 30, "examinator.duo"),
    ("DUO Examenlocatie Utrecht", "Examenzaal 2", "KNM-2026A", 2, 10, 24, "examinator.duo"),
    ("DUO Examenlocatie Utrecht", "Aparte ruimte 0.14", "SCH-B1-2026A", 3, 9, 4, "examinator.duo"),
    ("DUO Examenlocatie Amersfoort", "Zaal A", "SPR-B1-2026A", 2, 9, 12, ""),
    ("DUO Examenlocatie Amersfoort", "Zaal B", "LEZ-A2-2026A", 4, 10, 16, ""),
    (
        "Gemeente Utrecht Stadskantoor",
        "Vergaderzaal 2.05",
        "KNM-2026A",
        3,
        14,
        14,
        "examinator.utrecht",
    ),
]
WEEKS = (1, 2, 3)
BOOKINGS_PER_SESSION = 6

# Sessions that took place: weeks before this Monday, centre, room, exam version,
# weekday, hour, examiner. Every examined B1 component, so that the candidates who
# sit them all have nothing left but the sign-offs.
PAST_PLAN = [
    (3, "DUO Examenlocatie Utrecht", "Examenzaal 1", "LEZ-B1-2026A", 1, 9, "examinator.duo"),
    (3, "DUO Examenlocatie Utrecht", "Examenzaal 1", "LUI-B1-2026A", 1, 13, "examinator.duo"),
    (2, "DUO Examenlocatie Utrecht", "Examenzaal 2", "KNM-2026A", 2, 10, "examinator.duo"),
    (2, "DUO Examenlocatie Utrecht", "Examenzaal 2", "SCH-B1-2026A", 3, 9, "examinator.duo"),
    (1, "DUO Examenlocatie Utrecht", "Examenzaal 1", "SPR-B1-2026A", 2, 9, "examinator.duo"),
]
# Candidates who sit every past session. Grading's demo rates at most 12 attempts a
# run (demo.results.RATED_LIMIT): 6 candidates x 2 rated components fit in one run.
PAST_CANDIDATES = 6
# Extra seats with another outcome at the door: exam version code -> outcomes.
PAST_DOOR_EXTRAS = {
    "KNM-2026A": [Booking.Status.NO_SHOW, Booking.Status.REJECTED],
    "LEZ-B1-2026A": [Booking.Status.NO_SHOW],
}
PAST_ROUTES = ("B1", "EDU")
# Planned this far ahead (beyond every future demo session, so the room is free),
# then moved into the past.
PLANNING_LEAD = datetime.timedelta(days=35)
DOOR_REFUSAL = "Demo: identiteitsbewijs hoort niet bij de kandidaat."


def planner_for(centre: ExamCentre, users: dict[str, User]) -> User | None:
    """The demo planner of the centre's organisation (None: the demo has none there)."""
    username = PLANNERS.get(centre.organisation.name)
    return users.get(username) if username else None


def planned_room(
    centre_name: str, room_name: str, version_code: str, users: dict[str, User]
) -> tuple[Room, ExamVersion, User] | None:
    """The room, exam version and planner a demo plan line names (None: one is missing)."""
    room = (
        Room.objects.filter(centre__name=centre_name, name=room_name)
        .select_related("centre__organisation")
        .first()
    )
    version = ExamVersion.objects.filter(code=version_code).first()
    planner = planner_for(room.centre, users) if room else None
    if room is None or version is None or planner is None:
        return None
    return room, version, planner


def seed(*, users: dict[str, User], stdout) -> dict[str, int]:
    created = {"exam sessions": 0, "bookings": 0, "waiting-list entries": 0}
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    created["exam sessions"], created["bookings"] = _past_sessions(users, monday)
    sessions: list[ExamSession] = []
    for week in WEEKS:
        for centre_name, room_name, version_code, weekday, hour, capacity, examiner in PLAN:
            planned = planned_room(centre_name, room_name, version_code, users)
            if planned is None:
                continue
            room, version, planner = planned
            day = monday + datetime.timedelta(days=7 * week + weekday)
            starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
            session = ExamSession.objects.filter(room=room, starts_at=starts_at).first()
            if session is None:
                session = create_session(
                    actor=planner,
                    centre=room.centre,
                    room=room,
                    exam_version=version,
                    starts_at=starts_at,
                    capacity=min(capacity, room.capacity),
                )
                if starts_at - datetime.timedelta(days=3) > timezone.now():
                    session = publish_session(session, actor=planner)
                if examiner in users:
                    assign_staff(session, actor=planner, user=users[examiner], role="examiner")
                created["exam sessions"] += 1
            sessions.append(session)
    created["bookings"] += _book(sessions, users)
    created["waiting-list entries"] += _waiting_list(sessions, users)
    return {what: count for what, count in created.items() if count}


def _past_sessions(users: dict[str, User], monday: datetime.date) -> tuple[int, int]:
    """Sessions one to three weeks ago that went through the door; (sessions, bookings).

    Only the demo fakes time: the services refuse to plan in the past, so each
    session is planned and booked in the future, moved to ten minutes ago for
    the door (check-in, refusal, no-show and "held" read the clock), then moved
    to its real start (`demo.history`). Idempotent: a session already in
    its room at its start is left alone.
    """
    planned = []
    for weeks_ago, centre_name, room_name, version_code, weekday, hour, username in PAST_PLAN:
        room = (
            Room.objects.filter(centre__name=centre_name, name=room_name)
            .select_related("centre__organisation")
            .first()
        )
        version = ExamVersion.objects.filter(code=version_code).first()
        planner = planner_for(room.centre, users) if room else None
        if room is None or version is None or planner is None:
            continue
        day = monday + datetime.timedelta(days=weekday - 7 * weeks_ago)
        starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
        if ExamSession.objects.filter(room=room, starts_at=starts_at).exists():
            continue
        planned.append((room, version, starts_at, planner, users.get(username)))
    if not planned:
        return 0, 0
    lead = timezone.now().replace(second=0, microsecond=0) + PLANNING_LEAD
    earliest = min(starts_at for _, _, starts_at, _, _ in planned)
    # Every past session is at a centre of one organisation, planned by one planner.
    sitters = _past_candidates(
        planned[0][3], earliest=timezone.localdate(earliest), latest=timezone.localdate(lead)
    )
    if not sitters:
        return 0, 0
    regulars = sitters[:PAST_CANDIDATES]
    extras = sitters[PAST_CANDIDATES:]
    sessions = bookings = 0
    for room, version, starts_at, planner, examiner in planned:
        outcomes = PAST_DOOR_EXTRAS.get(version.code, [])
        seated: list[tuple[Candidate, str]] = [(c, Booking.Status.CHECKED_IN) for c in regulars]
        seated += [(extras.pop(0), outcome) for outcome in outcomes if extras]
        bookings += hold_past_session(
            room,
            version,
            starts_at,
            seated,
            planner=planner,
            examiners=[examiner] if examiner else [],
            lead=lead,
        )
        sessions += 1
    return sessions, bookings


def _past_candidates(
    planner: User, *, earliest: datetime.date, latest: datetime.date
) -> list[Candidate]:
    """Candidates the planner may book on a B1 route, without decisions or bookings, in term."""
    wanted = PAST_CANDIDATES + sum(len(extra) for extra in PAST_DOOR_EXTRAS.values())
    return list(
        bookable_candidates(planner)
        .filter(
            route__code__in=PAST_ROUTES,
            term_start__lte=earliest,
            term_end__gte=latest,
            decisions__isnull=True,
            bookings__isnull=True,
        )
        .select_related("route")
        .order_by("pk")[:wanted]
    )


def hold_past_session(
    room: Room,
    version: ExamVersion,
    starts_at: datetime.datetime,
    seated: list[tuple[Candidate, str]],
    *,
    planner: User,
    examiners: list[User],
    lead: datetime.datetime,
) -> int:
    """Plan, staff, publish and book at `lead`; open the door now; move to `starts_at`.

    The first of `examiners` keeps the door (the planner when there is none).
    """
    session = create_session(
        actor=planner,
        centre=room.centre,
        room=room,
        exam_version=version,
        starts_at=lead,
        capacity=min(len(seated) + 4, room.capacity),
    )
    for examiner in examiners:
        assign_staff(session, actor=planner, user=examiner, role="examiner")
    door_keeper = examiners[0] if examiners else planner
    publish_session(session, actor=planner)
    booked = []
    for candidate, outcome in seated:
        try:
            booked.append((book_candidate(session, actor=planner, candidate=candidate), outcome))
        except SchedulingError:
            continue
    closes = datetime.timedelta(hours=policy_for(version.component).booking_closes_hours)
    history.open_door_now(session, closes=closes)
    for booking, outcome in booked:
        if outcome == Booking.Status.CHECKED_IN:
            check_in_booking(booking, actor=door_keeper, identity_confirmed=True)
        elif outcome == Booking.Status.REJECTED:
            reject_at_door(booking, actor=door_keeper, reason=DOOR_REFUSAL)
    session.refresh_from_db()
    mark_session_held(session, actor=planner)
    for booking, outcome in booked:
        if outcome == Booking.Status.NO_SHOW:
            mark_no_show(booking, actor=planner)
    # Booked 10 to 45 days before the sitting: a spread of real waits around the norm.
    waits = {
        booking.pk: datetime.timedelta(days=10 + (index * 7) % 36)
        for index, (booking, _outcome) in enumerate(booked)
    }
    history.move_to_the_past(session, starts_at=starts_at, closes=closes, waits=waits)
    return len(booked)


def _book(sessions: list[ExamSession], users: dict[str, User]) -> int:
    booked = 0
    cursor = 0
    pools: dict[int, list[Candidate]] = {}
    for session in sessions:
        if session.status != ExamSession.Status.PUBLISHED or session.bookings.exists():
            continue
        planner = planner_for(session.centre, users)
        if planner is None:
            continue
        if planner.pk not in pools:
            candidates = bookable_candidates(planner).select_related("route").order_by("pk")
            pools[planner.pk] = list(candidates[:400])
        pool = pools[planner.pk]
        # The small separate room is filled completely, for the waiting-list demo.
        wanted = session.capacity if session.capacity <= 4 else BOOKINGS_PER_SESSION
        # First attempts only: a retake would make a second run book what the first
        # could not (the first run's results are released after this step).
        sat = set(
            Booking.objects.filter(session__component_id=session.component_id).values_list(
                "candidate_id", flat=True
            )
        )
        tries = 0
        while wanted and tries < len(pool):
            candidate = pool[cursor % len(pool)]
            cursor += 1
            tries += 1
            if candidate.pk in sat:
                continue
            try:
                book_candidate(session, actor=planner, candidate=candidate)
            except SchedulingError:
                continue
            wanted -= 1
            booked += 1
    return booked


def _waiting_list(sessions: list[ExamSession], users: dict[str, User]) -> int:
    full = next((s for s in sessions if s.pk and _refreshed(s).seats_free == 0), None)
    planner = planner_for(full.centre, users) if full is not None else None
    if full is None or planner is None:
        return 0
    if WaitingListEntry.objects.filter(centre=full.centre, component=full.component).exists():
        return 0
    added = 0
    for candidate in bookable_candidates(planner).order_by("-pk")[:40]:
        if added == 3:
            break
        try:
            add_to_waiting_list(
                candidate, actor=planner, centre=full.centre, component=full.component
            )
        except SchedulingError:
            continue
        added += 1
    return added


def _refreshed(session: ExamSession) -> ExamSession:
    session.refresh_from_db()
    return session
