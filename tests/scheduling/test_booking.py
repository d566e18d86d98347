"""book_candidate, cancel_booking, reschedule_booking, mark_no_show: every rule branch."""

import datetime

import pytest
from django.utils import timezone

from examens.models import AuditEvent, Decision, RouteRequirement
from scheduling.eligibility import register_check, unregister_check
from scheduling.exceptions import (
    AlreadyBooked,
    BookingRefused,
    BookingStateError,
    IdempotencyConflict,
    SchedulingError,
    SessionFull,
)
from scheduling.models import Booking, ExamSession, WaitingListEntry
from scheduling.services import (
    book_candidate,
    cancel_booking,
    mark_no_show,
    reschedule_booking,
)
from tests.conftest import agency_staff
from tests.examens.factories import component, decide, route
from tests.scheduling.factories import SessionFactory, candidate_for, version

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return agency_staff()


def refusal_code(session, candidate, actor):
    with pytest.raises(BookingRefused) as info:
        book_candidate(session, actor=actor, candidate=candidate)
    return info.value.code


def test_booking_takes_a_seat_and_records_attempt_payer_and_audit(actor):
    session = SessionFactory()
    candidate = candidate_for(session)

    booking = book_candidate(session, actor=actor, candidate=candidate)

    session.refresh_from_db()
    assert session.booked_count == 1
    assert booking.attempt_number == 1
    assert booking.payer == Booking.Payer.CANDIDATE
    assert booking.fee_cents == 5000
    assert booking.slot_minutes == 65
    assert booking.reference.startswith("EB-")
    event = AuditEvent.objects.get(action="scheduling.booking.created")
    assert event.object_id == str(booking.pk)
    assert event.data["attempt_number"] == 1
    assert candidate.bsn not in str(event.data)


def test_booking_queues_the_invitation_after_commit(
    actor, django_capture_on_commit_callbacks, mailoutbox
):
    session = SessionFactory()
    candidate = candidate_for(session, email="amira@example.nl")

    with django_capture_on_commit_callbacks(execute=True):
        booking = book_candidate(session, actor=actor, candidate=candidate)

    assert len(mailoutbox) == 1
    assert booking.reference in mailoutbox[0].body
    assert candidate.bsn not in mailoutbox[0].body
    booking.refresh_from_db()
    assert booking.invitation_sent_at is not None


def test_booking_refused_when_component_not_required_by_route(actor):
    session = SessionFactory(exam_version=version("KNM-2026A"))
    candidate = candidate_for(session, route=route("Z"))

    assert refusal_code(session, candidate, actor) == "not_required_by_route"


def test_booking_refused_at_a_level_the_plan_does_not_ask_for(actor):
    session = SessionFactory(exam_version=version("LEZ-A2-2026A"))
    candidate = candidate_for(session)

    assert refusal_code(session, candidate, actor) == "wrong_level"


def test_booking_allowed_at_the_stepped_down_level(actor):
    session = SessionFactory(exam_version=version("LEZ-A2-2026A"))
    candidate = candidate_for(session)
    decide(
        candidate, Decision.Kind.STEP_DOWN, component=component("LEZ"), level="A2", ground="effort"
    )

    booking = book_candidate(session, actor=actor, candidate=candidate)

    assert booking.level == "A2"


def test_booking_refused_after_the_step_down_is_withdrawn(actor):
    session = SessionFactory(exam_version=version("LEZ-A2-2026A"))
    candidate = candidate_for(session)
    decision = decide(
        candidate, Decision.Kind.STEP_DOWN, component=component("LEZ"), level="A2", ground="effort"
    )
    Decision.objects.filter(pk=decision.pk).update(withdrawn_at=timezone.now())

    assert refusal_code(session, candidate, actor) == "wrong_level"


def test_booking_refused_when_exempted_from_the_component(actor):
    session = SessionFactory()
    candidate = candidate_for(session)
    decide(candidate, Decision.Kind.EXEMPTION, component=component("LEZ"), ground="medical")

    assert refusal_code(session, candidate, actor) == "exempted"


def test_booking_refused_when_exempted_from_the_whole_obligation(actor):
    session = SessionFactory()
    candidate = candidate_for(session)
    decide(candidate, Decision.Kind.EXEMPTION, ground="diploma")

    assert refusal_code(session, candidate, actor) == "exempted"


def test_booking_refused_by_a_check_registered_by_a_higher_app(actor):
    session = SessionFactory()
    candidate = candidate_for(session)

    def already_passed(ctx):
        return BookingRefused("passed", code="already_passed")

    register_check(already_passed)
    register_check(already_passed)  # idempotent
    try:
        assert refusal_code(session, candidate, actor) == "already_passed"
    finally:
        unregister_check(already_passed)


def test_booking_refused_with_another_open_booking_for_the_component(actor):
    first = SessionFactory()
    second = SessionFactory(centre=first.centre)
    candidate = candidate_for(first)
    book_candidate(first, actor=actor, candidate=candidate)

    with pytest.raises(AlreadyBooked):
        book_candidate(second, actor=actor, candidate=candidate)


@pytest.mark.parametrize("status", ["draft", "closed", "cancelled", "held"])
def test_booking_refused_when_session_not_published(actor, status):
    session = SessionFactory(status=status)

    assert refusal_code(session, candidate_for(session), actor) == "session_not_open"


def test_booking_refused_after_the_booking_deadline(actor):
    session = SessionFactory(booking_closes_at=timezone.now() - datetime.timedelta(minutes=1))

    assert refusal_code(session, candidate_for(session), actor) == "booking_closed"


def test_booking_refused_when_accommodation_needs_not_served(actor):
    session = SessionFactory()
    candidate = candidate_for(session)
    decide(candidate, Decision.Kind.ACCOMMODATION, needs=["separate_room"])

    assert refusal_code(session, candidate, actor) == "accommodation_not_served"


def test_booking_refused_when_extra_time_exceeds_the_session(actor):
    session = SessionFactory(accommodations=["extended_time"], max_extra_minutes=15)
    candidate = candidate_for(session)
    decide(candidate, Decision.Kind.ACCOMMODATION, needs=["extended_time"], extra_minutes=30)

    assert refusal_code(session, candidate, actor) == "extra_time_not_available"


def test_extended_time_lengthens_the_candidates_slot(actor):
    session = SessionFactory(accommodations=["extended_time"], max_extra_minutes=30)
    candidate = candidate_for(session)
    decide(candidate, Decision.Kind.ACCOMMODATION, needs=["extended_time"], extra_minutes=20)

    booking = book_candidate(session, actor=actor, candidate=candidate)

    assert booking.slot_minutes == 85
    assert booking.accommodations == ["extended_time"]


def test_booking_refused_when_session_full(actor):
    session = SessionFactory(capacity=1)
    book_candidate(session, actor=actor, candidate=candidate_for(session))

    with pytest.raises(SessionFull):
        book_candidate(session, actor=actor, candidate=candidate_for(session))
    session.refresh_from_db()
    assert session.booked_count == 1


def test_booking_outside_the_term_is_allowed_with_a_warning(actor):
    session = SessionFactory()
    candidate = candidate_for(session, term_start=datetime.date(2019, 1, 1))

    booking = book_candidate(session, actor=actor, candidate=candidate)

    assert booking.outside_term is True
    event = AuditEvent.objects.get(action="scheduling.booking.created")
    assert event.data["warnings"] == ["outside_term"]


def test_attempt_number_counts_only_bookings_that_counted(actor):
    candidate = None
    for status, counts in [("no_show", True), ("rejected", False), ("cancelled", True)]:
        past = SessionFactory()
        candidate = candidate or candidate_for(past)
        Booking.objects.create(
            session=past,
            candidate=candidate,
            component=past.component,
            level="B1",
            status=status,
            attempt_number=1,
            counts_as_attempt=counts,
            payer="candidate",
            fee_cents=5000,
            slot_minutes=65,
            reference=f"EB-T{status[:3].upper()}",
        )
    session = SessionFactory()

    booking = book_candidate(session, actor=actor, candidate=candidate)

    assert booking.attempt_number == 3


def test_municipality_pays_first_two_attempts_of_an_asylum_migrant(actor):
    candidate = None
    payers = []
    for _ in range(3):
        session = SessionFactory()
        candidate = candidate or candidate_for(session, is_asylum_migrant=True)
        booking = book_candidate(session, actor=actor, candidate=candidate)
        payers.append(booking.payer)
        Booking.objects.filter(pk=booking.pk).update(status="no_show")

    assert payers == ["municipality", "municipality", "candidate"]


def test_free_component_has_no_payer(actor):
    session = SessionFactory()
    component("LEZ").__class__.objects.filter(code="LEZ").update(fee_cents=0)
    session.component.refresh_from_db()

    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))

    assert (booking.payer, booking.fee_cents) == ("none", 0)


def test_retry_with_the_same_idempotency_key_returns_the_same_booking(actor):
    session = SessionFactory()
    candidate = candidate_for(session)

    first = book_candidate(session, actor=actor, candidate=candidate, idempotency_key="k1")
    again = book_candidate(session, actor=actor, candidate=candidate, idempotency_key="k1")

    assert again.pk == first.pk
    assert again.replayed
    assert not first.replayed
    session.refresh_from_db()
    assert session.booked_count == 1


def test_idempotency_key_reused_for_another_candidate_is_refused(actor):
    session = SessionFactory()
    book_candidate(session, actor=actor, candidate=candidate_for(session), idempotency_key="k1")

    with pytest.raises(IdempotencyConflict):
        book_candidate(session, actor=actor, candidate=candidate_for(session), idempotency_key="k1")


# --- cancel ----------------------------------------------------------------------------


def test_early_cancellation_is_free_and_frees_the_seat(actor):
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=20))
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))

    cancel_booking(booking, actor=actor)

    booking.refresh_from_db()
    session.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.counts_as_attempt is False
    assert session.booked_count == 0
    assert AuditEvent.objects.filter(action="scheduling.booking.cancelled").count() == 1


def test_late_cancellation_counts_as_an_attempt(actor):
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=3))
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))

    cancel_booking(booking, actor=actor)

    booking.refresh_from_db()
    assert booking.counts_as_attempt is True


def test_late_cancellation_with_accepted_reason_does_not_count(actor):
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=3))
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))

    cancel_booking(booking, actor=actor, reason="hospital", reason_accepted=True)

    booking.refresh_from_db()
    assert booking.counts_as_attempt is False


def test_accepted_late_cancellation_needs_a_reason(actor):
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=3))
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))

    with pytest.raises(SchedulingError) as info:
        cancel_booking(booking, actor=actor, reason_accepted=True)
    assert info.value.field == "reason"


def test_cancelling_twice_changes_nothing(actor):
    session = SessionFactory()
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    cancel_booking(booking, actor=actor)

    cancel_booking(booking, actor=actor)

    session.refresh_from_db()
    assert session.booked_count == 0
    assert AuditEvent.objects.filter(action="scheduling.booking.cancelled").count() == 1


def test_cancellation_refused_after_the_start(actor):
    session = SessionFactory()
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    ExamSession.objects.filter(pk=session.pk).update(starts_at=timezone.now())

    with pytest.raises(BookingStateError):
        cancel_booking(booking, actor=actor)


def test_cancellation_offers_the_seat_to_the_first_waiting_candidate(
    actor, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=1)
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    waiting = WaitingListEntry.objects.create(
        candidate=candidate_for(session), component=session.component, centre=session.centre
    )

    with django_capture_on_commit_callbacks(execute=True):  # offered after the commit
        cancel_booking(booking, actor=actor)

    waiting.refresh_from_db()
    session.refresh_from_db()
    assert waiting.status == "offered"
    assert waiting.offered_session == session
    assert session.held_count == 1
    assert session.seats_free == 0


# --- reschedule and no-show -------------------------------------------------------------


def test_reschedule_moves_the_booking_in_one_transaction(actor):
    old = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=20))
    new = SessionFactory(centre=old.centre)
    booking = book_candidate(old, actor=actor, candidate=candidate_for(old))

    moved = reschedule_booking(booking, actor=actor, to_session=new)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.booked_count, new.booked_count) == (0, 1)
    assert moved.session == new
    assert moved.attempt_number == 1


def test_late_reschedule_counts_the_old_booking_as_an_attempt(actor):
    old = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=3))
    new = SessionFactory(centre=old.centre)
    booking = book_candidate(old, actor=actor, candidate=candidate_for(old))

    moved = reschedule_booking(booking, actor=actor, to_session=new)

    assert moved.attempt_number == 2


def test_reschedule_into_a_full_session_changes_nothing(actor):
    old = SessionFactory()
    new = SessionFactory(centre=old.centre, capacity=1)
    book_candidate(new, actor=actor, candidate=candidate_for(new))
    booking = book_candidate(old, actor=actor, candidate=candidate_for(old))

    with pytest.raises(SessionFull):
        reschedule_booking(booking, actor=actor, to_session=new)

    booking.refresh_from_db()
    assert booking.status == "booked"


def test_reschedule_refused_to_another_component(actor):
    old = SessionFactory()
    other = SessionFactory(exam_version=version("KNM-2026A"))
    booking = book_candidate(old, actor=actor, candidate=candidate_for(old))

    with pytest.raises(SchedulingError) as info:
        reschedule_booking(booking, actor=actor, to_session=other)
    assert info.value.code == "different_component"


def test_no_show_refused_before_the_start(actor):
    session = SessionFactory()
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))

    with pytest.raises(BookingStateError):
        mark_no_show(booking, actor=actor)


def test_no_show_after_the_start_counts_and_is_idempotent(actor):
    session = SessionFactory()
    booking = book_candidate(session, actor=actor, candidate=candidate_for(session))
    ExamSession.objects.filter(pk=session.pk).update(starts_at=timezone.now())

    mark_no_show(booking, actor=actor)
    mark_no_show(booking, actor=actor)

    booking.refresh_from_db()
    assert booking.status == "no_show"
    assert booking.counts_as_attempt
    assert AuditEvent.objects.filter(action="scheduling.booking.no_show").count() == 1


def test_optional_requirement_of_the_z_route_can_be_booked(actor):
    assert RouteRequirement.objects.filter(route=route("Z"), optional=True).exists()
    session = SessionFactory(exam_version=version("LEZ-A1-2026A"))

    booking = book_candidate(
        session, actor=actor, candidate=candidate_for(session, route=route("Z"))
    )

    assert booking.level == "A1"
