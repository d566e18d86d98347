"""Letters by post (decision 0029): a candidate without an e-mail address is routed
to post instead of waiting in the outbox for ever; the planner prints and marks the letter.
The reminder, a move and a cancellation of such a candidate become letters too."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from examens.audit import SYSTEM
from examens.exceptions import NotPermitted
from examens.models import AuditEvent, Role
from scheduling.exceptions import BookingStateError, SchedulingError
from scheduling.models import Booking, ExamSession
from scheduling.services import (
    book_candidate,
    cancel_booking,
    cancel_session,
    claim_reminder,
    reschedule_booking,
)
from scheduling.services.letters import (
    describe_letters,
    letter_for_booking,
    letter_kind,
    letters_due,
    mark_letter_sent,
    route_invitations_by_post,
)
from scheduling.tasks import (
    JOBS,
    send_booking_mail_task,
    send_pending_invitations_task,
    send_reminders_task,
)
from tests.examens.factories import OrganisationFactory
from tests.scheduling.factories import SessionFactory, candidate_for, planner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox_mode():
    """As in services mode: a booking publishes no invitation; only the outbox run does."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def _book(email="", address="Dorpsstraat 1\n1234 AB Utrecht", session=None):
    session = session or SessionFactory()
    planner = planner_of(session.centre.organisation)
    candidate = candidate_for(session, email=email, postal_address=address)
    return book_candidate(session, actor=planner, candidate=candidate), planner


def _events(action):
    return list(AuditEvent.objects.filter(action=action).values_list("object_id", flat=True))


def test_booking_without_email_goes_by_post_when_the_invitation_is_claimed(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        booking, _planner = _book()  # embedded mode: the invitation is delivered on commit
    booking.refresh_from_db()
    assert booking.invitation_by_post_at is not None
    assert booking.invitation_sent_at is None
    assert mail.outbox == []
    assert _events("scheduling.booking.invitation_by_post") == [str(booking.pk)]


def test_outbox_routes_no_email_to_post_once_instead_of_retrying(outbox_mode):
    booking, _planner = _book()
    mailed, _ = _book(email="c@x.nl")

    assert send_pending_invitations_task() == 1
    assert send_pending_invitations_task() == 0

    booking.refresh_from_db()
    assert booking.invitation_by_post_at is not None
    assert booking.invitation_failures == 0
    assert [m.to for m in mail.outbox] == [["c@x.nl"]]
    assert _events("scheduling.booking.invitation_by_post") == [str(booking.pk)]
    assert route_invitations_by_post(actor=JOBS) == 0


def test_routing_by_post_is_for_jobs_only(outbox_mode):
    booking, planner = _book()
    with pytest.raises(NotPermitted):
        route_invitations_by_post(actor=planner)
    assert route_invitations_by_post(actor=SYSTEM) == 1


def test_letters_due_lists_by_post_bookings_not_mailed_ones():
    booking, planner = _book()
    _book(email="c@x.nl")
    assert list(letters_due(Booking.objects.all())) == [booking]


def test_mark_letter_sent_marks_the_invitation_sent_once_with_audit():
    booking, planner = _book()
    marked = mark_letter_sent(booking, actor=planner, kind="invitation")
    assert marked.letter_sent_at is not None
    assert marked.invitation_sent_at == marked.letter_sent_at
    again = mark_letter_sent(booking, actor=planner, kind="invitation")
    assert again.letter_sent_at == marked.letter_sent_at
    assert _events("scheduling.booking.letter_sent") == [str(booking.pk)]
    assert list(letters_due(Booking.objects.all())) == []


def test_mark_letter_sent_refused_for_a_booking_invited_by_mail():
    booking, planner = _book(email="c@x.nl")
    with pytest.raises(BookingStateError):
        mark_letter_sent(booking, actor=planner, kind="invitation")
    assert _events("scheduling.booking.letter_sent") == []


def test_mark_letter_sent_refused_for_a_planner_of_another_centre():
    booking, _planner = _book()
    outsider = planner_of(OrganisationFactory())
    with pytest.raises(NotPermitted):
        mark_letter_sent(booking, actor=outsider, kind="invitation")
    with pytest.raises(NotPermitted):
        letter_for_booking(booking, actor=outsider, kind="invitation")
    booking.refresh_from_db()
    assert booking.letter_sent_at is None


def test_letter_refused_with_a_clear_error_when_the_address_is_missing():
    booking, planner = _book(address="  ")
    with pytest.raises(BookingStateError) as refused:
        letter_for_booking(booking, actor=planner, kind="invitation")
    assert refused.value.code == "no_postal_address"
    assert refused.value.field == "postal_address"


def test_letter_holds_the_address_and_amsterdam_time_and_no_bsn():
    booking, planner = _book()
    letter = letter_for_booking(booking, actor=planner, kind="invitation")
    assert letter.postal_address == "Dorpsstraat 1\n1234 AB Utrecht"
    assert str(letter.starts_at.tzinfo) == "Europe/Amsterdam"
    assert booking.candidate.bsn not in repr(letter)


def test_an_examiner_of_the_centre_may_not_mark_a_letter():
    booking, _planner = _book()
    examiner = planner_of(booking.session.centre.organisation, role=Role.EXAMINER)
    with pytest.raises(NotPermitted):
        mark_letter_sent(booking, actor=examiner, kind="invitation")


# --- Reminders, moves and cancellations by post (decision 0029, amendment) ------------


def _due():
    return [(row.booking.pk, row.kind) for row in describe_letters(letters_due(Booking.objects))]


def _invited(email=""):
    """A booking whose invitation went out: posted by the planner, or mailed."""
    booking, planner = _book(email=email)
    if email:
        assert send_pending_invitations_task() == 1
    else:
        mark_letter_sent(booking, actor=planner, kind="invitation")
    booking.refresh_from_db()
    return booking, planner


def _bring_forward(booking, days=2):
    """The session now starts within the reminder window (3 days by default)."""
    ExamSession.objects.filter(pk=booking.session_id).update(
        starts_at=timezone.now() + datetime.timedelta(days=days)
    )


def test_reminder_of_an_emailless_candidate_is_routed_to_the_letters_page_once(
    django_capture_on_commit_callbacks,
):
    booking, planner = _invited()
    _bring_forward(booking)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders_task() == 0  # no mail queued: a letter instead
        assert send_reminders_task() == 0
    assert mail.outbox == []
    assert _events("scheduling.booking.reminder_by_post") == [str(booking.pk)]
    assert _events("scheduling.booking.reminder_sent") == []
    assert _due() == [(booking.pk, "reminder")]


def test_reminder_letter_is_not_due_before_the_reminder_window():
    booking, _planner = _invited()  # the session is ten days away
    assert send_reminders_task() == 0
    assert _due() == []


def test_a_mailed_reminder_needs_no_letter(django_capture_on_commit_callbacks):
    booking, _planner = _invited(email="c@x.nl")
    _bring_forward(booking)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders_task() == 1
    assert [m.to for m in mail.outbox] == [["c@x.nl"], ["c@x.nl"]]  # invitation, reminder
    assert _due() == []


def test_an_invitation_letter_posted_after_the_reminder_was_due_stands_for_it():
    booking, planner = _book()
    _bring_forward(booking)
    assert claim_reminder(booking, actor=JOBS) is False
    assert _due() == [(booking.pk, "invitation")]  # the reminder waits for the invitation
    mark_letter_sent(booking, actor=planner, kind="invitation")
    assert _due() == []  # the invitation just posted gives the time


def test_reminder_queued_for_an_address_removed_since_goes_by_post(
    django_capture_on_commit_callbacks,
):
    booking, _planner = _invited(email="c@x.nl")
    _bring_forward(booking)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert claim_reminder(booking, actor=JOBS) is True
    booking.candidate.email = ""
    booking.candidate.save(update_fields=["email"])
    mail.outbox.clear()
    for callback in queued:
        callback()
    assert mail.outbox == []
    assert _events("scheduling.booking.reminder_by_post") == [str(booking.pk)]
    assert _due() == [(booking.pk, "reminder")]
    send_booking_mail_task(booking.pk, "reminder")  # a retry changes nothing
    assert _events("scheduling.booking.reminder_by_post") == [str(booking.pk)]


def test_cancelling_an_emailless_booking_puts_a_cancellation_letter_on_the_page(
    django_capture_on_commit_callbacks,
):
    booking, planner = _invited()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking, actor=planner)
    assert mail.outbox == []
    assert _events("scheduling.booking.cancellation_by_post") == [str(booking.pk)]
    assert _due() == [(booking.pk, "cancellation")]


def test_a_cancelled_booking_whose_invitation_never_went_out_needs_no_letter():
    booking, planner = _book()
    cancel_booking(booking, actor=planner)
    assert _due() == []


def test_a_cancellation_letter_is_no_longer_due_once_the_session_date_has_passed():
    booking, planner = _invited()
    cancel_booking(booking, actor=planner)
    ExamSession.objects.filter(pk=booking.session_id).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert _due() == []


def test_a_cancelled_session_without_rebooking_gives_a_cancellation_letter(
    django_capture_on_commit_callbacks,
):
    booking, planner = _invited()
    _book(email="c@x.nl", session=booking.session)
    send_pending_invitations_task()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_session(booking.session, actor=planner, reason="Room flooded")
    assert [m.to for m in mail.outbox] == [["c@x.nl"]]
    assert _due() == [(booking.pk, "cancellation")]


def test_rescheduling_an_invited_booking_gives_a_move_letter_not_a_cancellation():
    booking, planner = _invited()
    later = SessionFactory(
        centre=booking.session.centre, starts_at=timezone.now() + datetime.timedelta(days=20)
    )
    moved = reschedule_booking(booking, actor=planner, to_session=later)
    assert moved.moved_from == booking
    rows = describe_letters(letters_due(Booking.objects))
    assert [(row.booking.pk, row.kind, row.previous) for row in rows] == [
        (moved.pk, "move", booking)
    ]


def test_rebooking_from_a_cancelled_session_gives_a_move_letter():
    booking, planner = _invited()
    target = SessionFactory(centre=booking.session.centre)
    cancel_session(booking.session, actor=planner, reason="Examiner ill", rebook_into=target)
    new = Booking.objects.get(session=target, candidate=booking.candidate)
    assert new.moved_from_id == booking.pk
    assert _due() == [(new.pk, "move")]


def test_a_move_before_the_invitation_went_out_is_a_plain_invitation():
    booking, planner = _book()
    moved = reschedule_booking(
        booking, actor=planner, to_session=SessionFactory(centre=booking.session.centre)
    )
    assert _due() == [(moved.pk, "invitation")]


def test_a_move_names_the_time_last_told_across_two_moves():
    booking, planner = _invited()
    centre = booking.session.centre
    second = reschedule_booking(booking, actor=planner, to_session=SessionFactory(centre=centre))
    third = reschedule_booking(second, actor=planner, to_session=SessionFactory(centre=centre))
    rows = describe_letters(letters_due(Booking.objects))
    assert [(row.booking.pk, row.kind, row.previous) for row in rows] == [
        (third.pk, "move", booking)
    ]


@pytest.fixture(params=["invitation", "move", "reminder", "cancellation"])
def due_letter(request):
    """A by-post booking with a letter of each kind due, and its planner."""
    kind = request.param
    if kind == "invitation":
        booking, planner = _book()
    else:
        booking, planner = _invited()
    if kind == "move":
        booking = reschedule_booking(
            booking, actor=planner, to_session=SessionFactory(centre=booking.session.centre)
        )
    elif kind == "reminder":
        _bring_forward(booking)
        claim_reminder(booking, actor=JOBS)
    elif kind == "cancellation":
        booking = cancel_booking(booking, actor=planner)
    assert letter_kind(booking) == kind
    return booking, planner, kind


def test_mark_each_kind_sent_once_with_one_audit_event_then_it_is_gone(due_letter):
    booking, planner, kind = due_letter
    before = AuditEvent.objects.filter(action="scheduling.booking.letter_sent").count()
    marked = mark_letter_sent(booking, actor=planner, kind=kind)
    again = mark_letter_sent(booking, actor=planner, kind=kind)
    assert again == marked
    events = AuditEvent.objects.filter(action="scheduling.booking.letter_sent").order_by("pk")
    assert events.count() == before + 1
    assert events.last().data == {"kind": kind}
    assert events.last().object_id == str(booking.pk)
    assert letter_kind(booking) is None
    assert booking.pk not in [pk for pk, _kind in _due()]


def test_another_centres_planner_may_neither_print_nor_mark_any_kind(due_letter):
    booking, _planner, kind = due_letter
    outsider = planner_of(OrganisationFactory())
    with pytest.raises(NotPermitted):
        mark_letter_sent(booking, actor=outsider, kind=kind)
    with pytest.raises(NotPermitted):
        letter_for_booking(booking, actor=outsider, kind=kind)
    assert letter_kind(booking) == kind


def test_a_kind_that_is_not_due_is_refused_and_nothing_is_written(due_letter):
    booking, planner, kind = due_letter
    other = "reminder" if kind != "reminder" else "cancellation"
    with pytest.raises(BookingStateError) as refused:
        mark_letter_sent(booking, actor=planner, kind=other)
    assert refused.value.field == "kind"
    with pytest.raises(BookingStateError):
        letter_for_booking(booking, actor=planner, kind=other)
    assert letter_kind(booking) == kind


def test_an_unknown_kind_is_refused_naming_the_field():
    booking, planner = _book()
    with pytest.raises(SchedulingError) as refused:
        mark_letter_sent(booking, actor=planner, kind="postcard")
    assert (refused.value.code, refused.value.field) == ("bad_letter_kind", "kind")
    with pytest.raises(SchedulingError):
        letter_for_booking(booking, actor=planner, kind="postcard")
    booking.refresh_from_db()
    assert booking.letter_sent_at is None


def test_the_move_letter_carries_the_old_and_the_new_time(due_letter):
    booking, planner, kind = due_letter
    letter = letter_for_booking(booking, actor=planner, kind=kind)
    assert letter.kind == kind
    assert (letter.previous_starts_at is not None) == (kind == "move")
    if kind == "move":
        assert str(letter.previous_starts_at.tzinfo) == "Europe/Amsterdam"
        assert letter.previous_starts_at != letter.starts_at
    assert booking.candidate.bsn not in repr(letter)
