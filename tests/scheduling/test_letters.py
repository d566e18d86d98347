"""Invitations by post (decision 0029): a candidate without an e-mail address is routed
to post instead of waiting in the outbox for ever; the planner prints and marks the letter."""

import pytest
from django.core import mail

from examens.audit import SYSTEM
from examens.exceptions import NotPermitted
from examens.models import AuditEvent, Role
from scheduling.exceptions import BookingStateError
from scheduling.models import Booking
from scheduling.services import book_candidate
from scheduling.services.letters import (
    letter_for_booking,
    letters_due,
    mark_letter_sent,
    route_invitations_by_post,
)
from scheduling.tasks import JOBS, send_pending_invitations_task
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


def _book(email="", address="Dorpsstraat 1\n1234 AB Utrecht"):
    session = SessionFactory()
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
    marked = mark_letter_sent(booking, actor=planner)
    assert marked.letter_sent_at is not None
    assert marked.invitation_sent_at == marked.letter_sent_at
    again = mark_letter_sent(booking, actor=planner)
    assert again.letter_sent_at == marked.letter_sent_at
    assert _events("scheduling.booking.letter_sent") == [str(booking.pk)]
    assert list(letters_due(Booking.objects.all())) == []


def test_mark_letter_sent_refused_for_a_booking_invited_by_mail():
    booking, planner = _book(email="c@x.nl")
    with pytest.raises(BookingStateError):
        mark_letter_sent(booking, actor=planner)
    assert _events("scheduling.booking.letter_sent") == []


def test_mark_letter_sent_refused_for_a_planner_of_another_centre():
    booking, _planner = _book()
    outsider = planner_of(OrganisationFactory())
    with pytest.raises(NotPermitted):
        mark_letter_sent(booking, actor=outsider)
    with pytest.raises(NotPermitted):
        letter_for_booking(booking, actor=outsider)
    booking.refresh_from_db()
    assert booking.letter_sent_at is None


def test_letter_refused_with_a_clear_error_when_the_address_is_missing():
    booking, planner = _book(address="  ")
    with pytest.raises(BookingStateError) as refused:
        letter_for_booking(booking, actor=planner)
    assert refused.value.code == "no_postal_address"
    assert refused.value.field == "postal_address"


def test_letter_holds_the_address_and_amsterdam_time_and_no_bsn():
    booking, planner = _book()
    letter = letter_for_booking(booking, actor=planner)
    assert letter.postal_address == "Dorpsstraat 1\n1234 AB Utrecht"
    assert str(letter.starts_at.tzinfo) == "Europe/Amsterdam"
    assert booking.candidate.bsn not in repr(letter)


def test_an_examiner_of_the_centre_may_not_mark_a_letter():
    booking, _planner = _book()
    examiner = planner_of(booking.session.centre.organisation, role=Role.EXAMINER)
    with pytest.raises(NotPermitted):
        mark_letter_sent(booking, actor=examiner)
