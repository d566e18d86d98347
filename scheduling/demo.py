"""Demo data for scheduling, called by `manage.py seed_demo` inside its transaction.

Sessions for the coming weeks at the seeded centres (anchored to this week's
Monday, so a second run the same week finds them and creates nothing),
bookings made through `book_candidate` (only into sessions without any yet),
and a waiting list for one full session.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import Candidate, ExamVersion, Room, User

from .exceptions import SchedulingError
from .models import ExamSession, WaitingListEntry
from .services import (
    add_to_waiting_list,
    assign_staff,
    book_candidate,
    create_session,
    publish_session,
)

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


def seed(*, users: dict[str, User], stdout) -> dict[str, int]:
    created = {"exam sessions": 0, "bookings": 0, "waiting-list entries": 0}
    planner = users.get("planner.duo") or next(iter(users.values()))
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    sessions: list[ExamSession] = []
    for week in WEEKS:
        for centre_name, room_name, version_code, weekday, hour, capacity, examiner in PLAN:
            room = Room.objects.filter(centre__name=centre_name, name=room_name).first()
            version = ExamVersion.objects.filter(code=version_code).first()
            if room is None or version is None:
                continue
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
    created["bookings"] += _book(sessions, planner)
    created["waiting-list entries"] += _waiting_list(sessions, planner)
    return {what: count for what, count in created.items() if count}


def _book(sessions: list[ExamSession], planner: User) -> int:
    booked = 0
    pool = list(Candidate.objects.select_related("route").order_by("pk")[:400])
    cursor = 0
    for session in sessions:
        if session.status != ExamSession.Status.PUBLISHED or session.bookings.exists():
            continue
        # The small separate room is filled completely, for the waiting-list demo.
        wanted = session.capacity if session.capacity <= 4 else BOOKINGS_PER_SESSION
        tries = 0
        while wanted and tries < len(pool):
            candidate = pool[cursor % len(pool)]
            cursor += 1
            tries += 1
            try:
                book_candidate(session, actor=planner, candidate=candidate)
            except SchedulingError:
                continue
            wanted -= 1
            booked += 1
    return booked


def _waiting_list(sessions: list[ExamSession], planner: User) -> int:
    full = next((s for s in sessions if s.pk and _refreshed(s).seats_free == 0), None)
    if full is None:
        return 0
    if WaitingListEntry.objects.filter(centre=full.centre, component=full.component).exists():
        return 0
    added = 0
    for candidate in Candidate.objects.order_by("-pk")[:40]:
        if added == 3:
            break
        try:
            add_to_waiting_list(
                candidate, actor=SYSTEM, centre=full.centre, component=full.component
            )
        except SchedulingError:
            continue
        added += 1
    return added


def _refreshed(session: ExamSession) -> ExamSession:
    session.refresh_from_db()
    return session
