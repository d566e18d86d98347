"""Session life cycle services: create, staff, publish, close, held, cancel, withdraw."""

import datetime

import pytest
from django.utils import timezone

from examens.audit import SYSTEM
from examens.models import AuditEvent, ExamVersion, Role
from scheduling.exceptions import SessionError
from scheduling.models import ExamSession, WaitingListEntry
from scheduling.services import (
    assign_staff,
    book_candidate,
    cancel_session,
    close_booking,
    complete_session_results,
    create_session,
    mark_session_held,
    publish_session,
    withdraw_exam_version,
)
from tests.conftest import agency_staff
from tests.examens.factories import CentreFactory, MembershipFactory, RoomFactory
from tests.scheduling.factories import SessionFactory, agency_examiner, candidate_for, version

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return agency_staff()


def later(days=14, hour=9):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def plan(actor, room, **kwargs):
    kwargs.setdefault("starts_at", later())
    kwargs.setdefault("capacity", 10)
    kwargs.setdefault("exam_version", version())
    return create_session(actor=actor, centre=room.centre, room=room, **kwargs)


def test_created_session_is_a_draft_closing_per_component_policy(actor):
    room = RoomFactory(capacity=12)

    session = plan(actor, room)

    assert session.status == "draft"
    assert session.level == "B1"
    assert session.duration_minutes == 65
    assert session.booking_closes_at == session.starts_at - datetime.timedelta(hours=48)
    assert AuditEvent.objects.filter(action="scheduling.session.created").exists()


def test_capacity_never_above_the_rooms(actor):
    with pytest.raises(SessionError) as info:
        plan(actor, RoomFactory(capacity=12), capacity=13)
    assert info.value.field == "capacity"


def test_room_must_belong_to_the_centre(actor):
    room = RoomFactory()
    with pytest.raises(SessionError) as info:
        create_session(
            actor=actor,
            centre=CentreFactory(),
            room=room,
            exam_version=version(),
            starts_at=later(),
            capacity=5,
        )
    assert info.value.field == "room"


def test_withdrawn_version_cannot_be_planned(actor):
    ExamVersion.objects.filter(code="LEZ-B1-2026A").update(status="withdrawn")
    with pytest.raises(SessionError) as info:
        plan(actor, RoomFactory())
    assert info.value.code == "version_withdrawn"


def test_session_must_start_in_the_future(actor):
    with pytest.raises(SessionError) as info:
        plan(actor, RoomFactory(), starts_at=timezone.now() - datetime.timedelta(hours=1))
    assert info.value.field == "starts_at"


def test_room_never_holds_two_overlapping_sessions(actor):
    room = RoomFactory()
    plan(actor, room, starts_at=later(hour=9))

    with pytest.raises(SessionError) as info:
        plan(actor, room, starts_at=later(hour=9) + datetime.timedelta(minutes=30))
    assert info.value.code == "room_double_booked"
    plan(actor, room, starts_at=later(hour=11))  # after the first ends: fine


def test_room_must_serve_the_accommodations_claimed(actor):
    with pytest.raises(SessionError) as info:
        plan(actor, RoomFactory(separate_room=False), accommodations=["separate_room"])
    assert info.value.code == "room_cannot_serve"


def test_extended_time_needs_extra_minutes(actor):
    with pytest.raises(SessionError) as info:
        plan(actor, RoomFactory(), accommodations=["extended_time"])
    assert info.value.code == "extended_time_mismatch"


def test_examiner_of_the_centres_organisation_can_be_assigned(actor):
    session = SessionFactory()
    examiner = MembershipFactory(organisation=session.centre.organisation, role=Role.EXAMINER).user

    assign_staff(session, actor=actor, user=examiner, role="examiner")
    assign_staff(session, actor=actor, user=examiner, role="examiner")  # idempotent

    assert session.assignments.count() == 1


def test_agency_examiner_can_be_assigned_anywhere(actor):
    session = SessionFactory()
    assign_staff(session, actor=actor, user=agency_examiner(), role="invigilator")
    assert session.assignments.count() == 1


def test_non_examiner_cannot_be_assigned(actor):
    session = SessionFactory()
    planner = MembershipFactory(organisation=session.centre.organisation, role=Role.PLANNER).user

    with pytest.raises(SessionError) as info:
        assign_staff(session, actor=actor, user=planner, role="examiner")
    assert info.value.code == "not_examiner"


def test_examiner_never_double_booked_at_overlapping_times(actor):
    first = SessionFactory(starts_at=later(hour=9))
    second = SessionFactory(starts_at=later(hour=9) + datetime.timedelta(minutes=45))
    examiner = agency_examiner()
    assign_staff(first, actor=actor, user=examiner, role="examiner")

    with pytest.raises(SessionError) as info:
        assign_staff(second, actor=actor, user=examiner, role="examiner")
    assert info.value.code == "staff_double_booked"


def test_publish_opens_a_draft_and_is_idempotent(actor):
    session = plan(actor, RoomFactory())

    publish_session(session, actor=actor)
    publish_session(session, actor=actor)

    session.refresh_from_db()
    assert session.status == "published"
    assert AuditEvent.objects.filter(action="scheduling.session.published").count() == 1


def test_publish_refused_when_the_booking_window_passed(actor):
    session = SessionFactory(status="draft", booking_closes_at=timezone.now())
    with pytest.raises(SessionError) as info:
        publish_session(session, actor=actor)
    assert info.value.code == "booking_window_passed"


def test_close_booking_when_due_leaves_open_sessions_alone():
    session = SessionFactory()
    assert close_booking(session, actor=SYSTEM, only_when_due=True).status == "published"
    ExamSession.objects.filter(pk=session.pk).update(booking_closes_at=timezone.now())
    assert close_booking(session, actor=SYSTEM, only_when_due=True).status == "closed"


def test_held_only_after_the_start_then_results_complete(actor):
    session = SessionFactory(status="closed")
    with pytest.raises(SessionError):
        mark_session_held(session, actor=actor)
    ExamSession.objects.filter(pk=session.pk).update(starts_at=timezone.now())

    mark_session_held(session, actor=actor)
    complete_session_results(session, actor=actor)

    session.refresh_from_db()
    assert session.status == "results_complete"


def test_results_complete_refused_before_held(actor):
    with pytest.raises(SessionError):
        complete_session_results(SessionFactory(), actor=actor)


def test_cancel_needs_a_reason(actor):
    with pytest.raises(SessionError) as info:
        cancel_session(SessionFactory(), actor=actor, reason=" ")
    assert info.value.field == "reason"


def test_cancel_notifies_every_booked_candidate(
    actor, django_capture_on_commit_callbacks, mailoutbox
):
    session = SessionFactory()
    bookings = [
        book_candidate(session, actor=actor, candidate=candidate_for(session, email=f"c{i}@x.nl"))
        for i in range(3)
    ]
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancel_session(session, actor=actor, reason="Room flooded")

    session.refresh_from_db()
    assert session.status == "cancelled"
    assert session.booked_count == 0
    for booking in bookings:
        booking.refresh_from_db()
        assert booking.status == "session_cancelled"
        assert not booking.counts_as_attempt
    assert len(mailoutbox) == 3
    event = AuditEvent.objects.get(action="scheduling.session.cancelled")
    assert len(event.data["bookings"]) == 3


def test_cancel_rebooks_into_another_session(actor):
    session = SessionFactory()
    target = SessionFactory(centre=session.centre, capacity=1)
    first = book_candidate(session, actor=actor, candidate=candidate_for(session))
    second = book_candidate(session, actor=actor, candidate=candidate_for(session))

    cancel_session(session, actor=actor, reason="Examiner ill", rebook_into=target)

    target.refresh_from_db()
    assert target.booked_count == 1
    assert target.bookings.get().candidate == first.candidate
    second.refresh_from_db()
    assert second.status == "session_cancelled"  # no seat left: notified instead


def test_held_session_cannot_be_cancelled(actor):
    with pytest.raises(SessionError):
        cancel_session(SessionFactory(status="held"), actor=actor, reason="late")


def test_cancel_returns_outstanding_offers_to_the_queue(actor):
    session = SessionFactory(held_count=1)
    entry = WaitingListEntry.objects.create(
        candidate=candidate_for(session),
        component=session.component,
        centre=session.centre,
        status="offered",
        offered_session=session,
        offer_expires_at=timezone.now(),
    )

    cancel_session(session, actor=actor, reason="x")

    entry.refresh_from_db()
    assert entry.status == "waiting"
    assert entry.offered_session is None


def test_withdraw_version_switches_future_sessions_to_the_replacement(actor):
    old = version()
    replacement = ExamVersion.objects.create(
        component=old.component, level="B1", code="LEZ-B1-2026B", max_raw_score=40, cutoff_raw=26
    )
    session = SessionFactory(exam_version=old)
    past = SessionFactory(exam_version=old, starts_at=timezone.now() - datetime.timedelta(days=1))
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))

    outcome = withdraw_exam_version(old, actor=actor, reason="leaked", replacement=replacement)

    session.refresh_from_db()
    past.refresh_from_db()
    old.refresh_from_db()
    assert old.status == "withdrawn"
    assert session.exam_version == replacement
    assert past.exam_version == old
    assert outcome.affected_bookings == [booking]
    assert AuditEvent.objects.filter(action="scheduling.exam_version.withdrawn").count() == 1


def test_withdraw_version_without_replacement_cancels_and_lists_bookings(actor):
    session = SessionFactory()
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))

    outcome = withdraw_exam_version(version(), actor=actor, reason="leaked")

    session.refresh_from_db()
    assert session.status == "cancelled"
    assert [b.pk for b in outcome.affected_bookings] == [booking.pk]
    again = withdraw_exam_version(version(), actor=actor, reason="leaked")
    assert again.affected_bookings == []


def test_withdraw_refuses_a_replacement_of_another_level(actor):
    with pytest.raises(SessionError) as info:
        withdraw_exam_version(
            version(), actor=actor, reason="x", replacement=version("LEZ-A2-2026A")
        )
    assert info.value.code == "bad_replacement"
