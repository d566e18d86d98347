"""The invitation outbox: a lease per row, the mail sent outside any transaction, at least once.

decision 0008: claim (a committed lease), send without a lock, mark sent. Two runs
never send one invitation twice; a mail error leaves it to be retried; a crash
between the send and the mark sends it once more after the lease expired.
"""

import datetime
import smtplib
import threading

import pytest
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from examens.models import AuditEvent
from scheduling.models import Booking
from scheduling.services import book_candidate
from scheduling.services.outbox import INVITATION_LEASE
from scheduling.tasks import send_pending_invitations_task
from tests.conftest import race, require_service
from tests.scheduling.factories import SessionFactory, candidate_for, planner_of


@pytest.fixture
def outbox_mode():
    """As in services mode: tasks go to a worker, so a booking publishes no invitation."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def _booking(email="c@x.nl") -> Booking:
    session = SessionFactory()
    return book_candidate(
        session,
        actor=planner_of(session.centre.organisation),
        candidate=candidate_for(session, email=email),
    )


class Crash(BaseException):
    """The worker dies (not an exception the outbox could handle)."""


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_send_once_and_hold_no_lock_while_sending(
    outbox_mode, mailoutbox, monkeypatch
):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    booking = _booking()
    original = EmailMessage.send
    seen = []

    def slow_send(self, *args, **kwargs):
        # While the mail server is slow, nobody holds the booking's row or a transaction.
        seen.append(connection.in_atomic_block)

        def lock_it():
            with transaction.atomic():
                Booking.objects.select_for_update(nowait=True).get(pk=booking.pk)

        probe = race([lock_it])
        seen.append(probe[0])
        threading.Event().wait(0.5)  # the other run reaches the row meanwhile
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", slow_send)
    results = race([send_pending_invitations_task, send_pending_invitations_task])

    assert sorted(results) == [0, 1]
    assert len(mailoutbox) == 1
    assert seen == [False, None]
    booking.refresh_from_db()
    assert booking.invitation_sent_at is not None
    assert booking.invitation_lease_until is None
    assert AuditEvent.objects.filter(action="scheduling.booking.invitation_sent").count() == 1


@pytest.mark.django_db
def test_a_mail_server_error_leaves_the_invitation_to_be_retried(
    outbox_mode, mailoutbox, monkeypatch
):
    booking = _booking()
    original = EmailMessage.send

    def server_gone(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server gone")

    monkeypatch.setattr(EmailMessage, "send", server_gone)
    assert send_pending_invitations_task() == 0
    booking.refresh_from_db()
    assert (booking.invitation_sent_at, booking.invitation_lease_until) == (None, None)
    assert booking.invitation_failures == 0  # the server's fault, not the booking's
    assert AuditEvent.objects.filter(action="scheduling.booking.invitation_released").count() == 1

    monkeypatch.setattr(EmailMessage, "send", original)
    assert send_pending_invitations_task() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_refused_mail_is_counted_and_retried_on_the_next_run(
    outbox_mode, mailoutbox, monkeypatch
):
    booking = _booking()
    original = EmailMessage.send

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPDataError(451, b"try again later")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert send_pending_invitations_task() == 0
    booking.refresh_from_db()
    assert (booking.invitation_failures, booking.invitation_lease_until) == (1, None)

    monkeypatch.setattr(EmailMessage, "send", original)
    assert send_pending_invitations_task() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_crash_after_sending_resends_once_after_the_lease_expires(
    outbox_mode, mailoutbox, monkeypatch
):
    booking = _booking()
    original = EmailMessage.send

    def send_then_die(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise Crash  # between the send and the mark

    monkeypatch.setattr(EmailMessage, "send", send_then_die)
    with pytest.raises(Crash):
        send_pending_invitations_task()
    monkeypatch.setattr(EmailMessage, "send", original)
    booking.refresh_from_db()
    assert len(mailoutbox) == 1
    assert booking.invitation_sent_at is None
    assert booking.invitation_lease_until is not None

    assert send_pending_invitations_task() == 0  # the lease still holds
    assert len(mailoutbox) == 1

    later = timezone.now() + INVITATION_LEASE + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert send_pending_invitations_task() == 1
    assert send_pending_invitations_task() == 0

    assert len(mailoutbox) == 2  # at least once: exactly one more
    booking.refresh_from_db()
    assert booking.invitation_sent_at == later
    assert booking.invitation_lease_until is None
